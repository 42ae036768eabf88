#!/usr/bin/env python3
"""An ordered 10-message stream survives a listener going down, a sender process restart
and a listener restart: the listener receives seq 0..9 exactly once, in order.

  seq 0-2  sender process #1, listener up          -> delivered
  seq 3-5  sender process #1, listener stopped     -> parked in Redis; process #1 exits
           sender process #2 starts (same unique name) and sees the 3 parked messages
           the listener restarts (new client object, same unique name, new port)
  seq 6-9  sender process #2                       -> after the backlog, in order

The sender runs in child processes (this script with --sender) driven over stdin/stdout:
`send FIRST LAST`, `pending`, `close`.
"""

import subprocess
import sys
import time

from _support import Scenario, check, liner, load_library, main, redis_url, wait_until


class SenderProcess:
    """A sender client in a child process (a real process restart, not just a new object)."""

    def __init__(self, unique: str, topic: str, listener_topic: str) -> None:
        self._child = subprocess.Popen(
            [sys.executable, __file__, "--sender", unique, topic, listener_topic],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        check(self._reply() == "ready", "sender process did not start")

    def _reply(self) -> str:
        return self._child.stdout.readline().strip()

    def ask(self, command: str) -> str:
        self._child.stdin.write(command + "\n")
        self._child.stdin.flush()
        return self._reply()

    def close(self) -> None:
        check(self.ask("close") == "closed", "sender process did not close its client")
        check(self._child.wait(timeout=30) == 0, "sender process failed")


def sender_process(unique: str, topic: str, listener_topic: str) -> None:
    load_library()
    client = liner.Client(unique, topic, "127.0.0.1:0", redis_url())
    print("ready" if client.run(None) else f"error {client.last_error_message()}", flush=True)
    for line in sys.stdin:
        command = line.split()
        if command[0] == "send":
            first, last = int(command[1]), int(command[2])
            reply = "ok"
            for n in range(first, last + 1):
                if not client.send_to(listener_topic, f"seq {n}"):
                    reply = f"error seq {n}: {client.last_error_message()}"
                    break
            print(reply, flush=True)
        elif command[0] == "pending":
            print(client.pending_count(), flush=True)
        elif command[0] == "close":
            print("closed" if client.close() else "error", flush=True)
            return


def body(s: Scenario) -> None:
    listener_topic = s.name("listener")
    listener, inbox = s.running_listener()

    first = SenderProcess(s.name("sender"), s.name("sender"), listener_topic)
    check(first.ask("send 0 2") == "ok", "sending seq 0-2")
    check(inbox.wait_for(3), f"{len(inbox)} of seq 0-2 arrived")

    check(listener.stop(), "listener stop")
    check(first.ask("send 3 5") == "ok", "sending seq 3-5 to the stopped listener")
    check(wait_until(lambda: first.ask("pending") == "3"), "seq 3-5 not parked")
    first.close()

    second = SenderProcess(s.name("sender"), s.name("sender"), listener_topic)
    check(second.ask("pending") == "3", "the restarted sender does not see its 3 parked messages")
    check(len(inbox) == 3, f"a stopped listener received messages: {inbox.texts()}")

    listener.close()
    listener = s.client("listener")
    check(listener.run(inbox), f"listener restart: {listener.last_error_message()}")
    check(second.ask("send 6 9") == "ok", "sending seq 6-9 after the listener restart")
    check(inbox.wait_for(10), f"{len(inbox)} of 10 arrived: {inbox.texts()}")
    check(wait_until(lambda: second.ask("pending") == "0"), "backlog not drained")
    second.close()
    time.sleep(0.3)  # room for a late duplicate to show up
    check(inbox.texts() == [f"seq {n}" for n in range(10)], f"received {inbox.texts()}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sender"]:
        sender_process(*sys.argv[2:5])
    else:
        main("ordered_stream", body)
