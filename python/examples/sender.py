#!/usr/bin/env python3
"""Sends messages to a liner topic at-least-once and says whether they were delivered or
parked in Redis for the listener.

    python3 python/examples/sender.py [REDIS_URL] [--topic greetings] [-m TEXT ...]

The Redis URL comes from the first argument, else from the environment variable
LINER_REDIS_URL. Without ``-m`` it sends three messages ``hello #1`` … ``hello #3``.

What happens depends on the listener (``listener.py``):
- running: the messages go straight to it over TCP and it acknowledges them: "delivered";
- stopped, but this sender (same ``--name``, ``py-sender`` by default) has met it before:
  the messages are parked in Redis: "parked". A sender delivers its parked messages itself,
  oldest first, once it runs while the listener is up: run this script again after
  restarting the listener;
- never seen: there is no one to keep them for, so ``send_to`` fails with
  ``LNR_ERR_NO_ADDR`` and the script exits with status 1.
"""

import argparse
import os
import sys
import threading
import time

import liner

# How long to wait for the connection to a listener, and then for its acknowledgements:
# stop() parks whatever is still unacknowledged.
CONNECT_WAIT_S = 3.0
ACK_WAIT_S = 0.5


def main() -> int:
    args = parse_args()
    if not args.redis_url:
        print("sender: give the Redis URL as the first argument or in LINER_REDIS_URL",
              file=sys.stderr)
        return 2
    messages = args.message or [f"hello #{i}" for i in (1, 2, 3)]
    try:
        client = liner.Client(args.name, args.name, "127.0.0.1:0", args.redis_url)
    except liner.LinerError as e:
        print(f"sender: cannot create the client: {e}", file=sys.stderr)
        return 1
    with client:
        connected = threading.Event()

        def on_status(kind: int, topic: str, peer: str, message: str) -> None:
            if kind == liner.LNR_PEER_CONNECTED:  # our connection to a listener is up
                connected.set()

        client.set_status_callback(on_status)
        live = [p.unique_name for p in client.peers(args.topic) or [] if p.live]
        print(f"topic '{args.topic}': live listeners {live or 'none'}", flush=True)
        if not client.run(None):  # send-only: no receive callback
            print(f"sender: run failed: {error_of(client)}", file=sys.stderr)
            return 1
        for text in messages:
            if not client.send_to(args.topic, text, at_least_once=True):
                print(f"sender: send_to('{args.topic}', {text!r}) failed: {error_of(client)}",
                      file=sys.stderr)
                if client.last_error_code() == liner.LNR_ERR_NO_ADDR:
                    print("sender: nobody serves the topic and this sender never met a "
                          "listener of it: start listener.py first", file=sys.stderr)
                return 1
            print(f"accepted {text!r}", flush=True)
        if live and connected.wait(CONNECT_WAIT_S):
            time.sleep(ACK_WAIT_S)  # the acknowledgements follow within milliseconds
        if not client.stop():
            print(f"sender: stop failed: {error_of(client)}", file=sys.stderr)
            return 1
        parked = sum(p.count for p in client.pending_by_peer() or [] if p.topic == args.topic)
    sent = len(messages)
    if parked == 0:
        print(f"delivered: the listener acknowledged all {sent} message(s); "
              "nothing waits in Redis")
    else:
        print(f"parked: {parked} message(s) wait in Redis for '{args.topic}'; this sender "
              f"('{args.name}') delivers them, oldest first, when it next runs while a "
              "listener is up")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Send messages to a liner topic.")
    parser.add_argument("redis_url", nargs="?", default=os.environ.get("LINER_REDIS_URL"),
                        help="Redis URL (default: $LINER_REDIS_URL)")
    parser.add_argument("--topic", default="greetings", help="destination topic (greetings)")
    parser.add_argument("--name", default="py-sender",
                        help="unique name (and source topic) of this sender, stable across "
                             "runs: it keys the messages parked for each listener")
    parser.add_argument("-m", "--message", action="append",
                        help="a message to send (repeatable; default: three greetings)")
    return parser.parse_args()


def error_of(client: "liner.Client") -> str:
    code = client.last_error_code()
    return f"{liner.ERROR_NAMES.get(code, code)}: {client.last_error_message()}"


if __name__ == "__main__":
    sys.exit(main())
