#!/usr/bin/env python3
"""Listens on a liner topic and prints every message it receives.

    python3 python/examples/listener.py [REDIS_URL] [--topic greetings] [--count N]

The Redis URL comes from the first argument, else from the environment variable
LINER_REDIS_URL. The listener serves ``--topic`` (``greetings`` by default) under the unique
name ``--name`` (``py-listener``) and runs until Ctrl-C or SIGTERM, or until it has printed
``--count`` messages. Messages parked in Redis while it was away arrive first, in order.
The pair to run it with is ``sender.py``; the repository's README shows both.
"""

import argparse
import os
import signal
import sys
import threading

import liner


def main() -> int:
    args = parse_args()
    if not args.redis_url:
        print("listener: give the Redis URL as the first argument or in LINER_REDIS_URL",
              file=sys.stderr)
        return 2
    received = 0
    enough = threading.Event()
    lock = threading.Lock()

    def on_message(to: str, from_: str, data: bytes) -> None:
        # Runs on a library thread, one message at a time.
        nonlocal received
        with lock:
            received += 1
            print(f"received #{received} on '{to}' from '{from_}': "
                  f"{data.decode('utf-8', 'replace')}", flush=True)
            if args.count and received >= args.count:
                enough.set()

    signal.signal(signal.SIGTERM, lambda *_: enough.set())
    try:
        client = liner.Client(args.name, args.topic, "127.0.0.1:0", args.redis_url)
    except liner.LinerError as e:
        print(f"listener: cannot create the client: {e}", file=sys.stderr)
        return 1
    with client:
        if not client.run(on_message):
            print(f"listener: run failed: {error_of(client)}", file=sys.stderr)
            return 1
        print(f"listening on topic '{args.topic}' as '{args.name}' at "
              f"{client.published_addr()} (Ctrl-C to stop)", flush=True)
        try:
            while not enough.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
        stopped = client.stop()
    print(f"listener stopped after {received} message(s)"
          + ("" if stopped else f"; stop reported: {error_of(client)}"), flush=True)
    return 0 if stopped else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Print the messages of a liner topic.")
    parser.add_argument("redis_url", nargs="?", default=os.environ.get("LINER_REDIS_URL"),
                        help="Redis URL (default: $LINER_REDIS_URL)")
    parser.add_argument("--topic", default="greetings", help="topic to serve (greetings)")
    parser.add_argument("--name", default="py-listener",
                        help="unique name of this listener, stable across restarts")
    parser.add_argument("--count", type=int, default=0,
                        help="exit after this many messages (0: run until stopped)")
    return parser.parse_args()


def error_of(client: "liner.Client") -> str:
    code = client.last_error_code()
    return f"{liner.ERROR_NAMES.get(code, code)}: {client.last_error_message()}"


if __name__ == "__main__":
    sys.exit(main())
