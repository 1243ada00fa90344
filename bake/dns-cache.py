"""Caching DNS forwarder for the current engine's bridge (bake/engine-current-up.sh).

Usage: python3 dns-cache.py LISTEN_ADDRESS [--upstream ADDRESS] [--warm HOST ...]

Answers UDP queries on LISTEN_ADDRESS:53. Builds resolve the same few index hosts hundreds
of times, in parallel; the machine's resolver drops some of such bursts and is sometimes
slow for tens of seconds, which fails a RUN step with "dns error ... Try again". So:

- answers are cached by question (name, type, class), whatever ids or EDNS options each
  client sends; a cached answer is fresh for 10 minutes;
- an answer older than that is still served at once, and asked for again in the background
  (only one refresh per question at a time): a slow resolver never makes a client wait for
  a name it has seen;
- a question asked for the first time goes upstream once, the other clients asking it wait
  for that answer; a lost or SERVFAIL answer is asked again over UDP, then over TCP, up to
  eight times;
- `--warm HOST` resolves HOST (A and AAAA) at start, so the index hosts are cached before
  the first build needs them;
- every question upstream could not answer is logged on stderr with the time it took.

Standard library only.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import sys
import threading
import time
from dataclasses import dataclass, field

TTL = 600.0
ATTEMPTS = 8
Question = tuple[bytes, int, int]  # lower-cased wire name, type, class


@dataclass
class _Entry:
    answer: bytes | None = None  # without its id
    fetched: float = 0.0
    busy: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)


_entries: dict[Question, _Entry] = {}
_lock = threading.Lock()


def log(message: str) -> None:
    print(time.strftime("%H:%M:%S ") + message, file=sys.stderr, flush=True)


def question_of(message: bytes) -> Question | None:
    """The first question of a DNS message, or None if it has none or is malformed."""
    if len(message) < 12 or struct.unpack(">H", message[4:6])[0] < 1:
        return None
    at = 12
    labels: list[bytes] = []
    while at < len(message):
        size = message[at]
        if size == 0:
            at += 1
            break
        if size & 0xC0:  # compression has no place in a question
            return None
        labels.append(message[at + 1 : at + 1 + size].lower())
        at += 1 + size
    else:
        return None
    if at + 4 > len(message):
        return None
    qtype, qclass = struct.unpack(">HH", message[at : at + 4])
    return b".".join(labels), qtype, qclass


def query_for(host: str, qtype: int) -> bytes:
    name = b"".join(bytes([len(p)]) + p.encode() for p in host.strip(".").split(".")) + b"\0"
    return struct.pack(">HHHHHH", 0x5EED, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", qtype, 1)


def _udp(query: bytes, upstream: tuple[str, int], timeout: float) -> bytes | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(query, upstream)
            return sock.recvfrom(65535)[0]
        except OSError:
            return None


def _tcp(query: bytes, upstream: tuple[str, int], timeout: float) -> bytes | None:
    try:
        with socket.create_connection(upstream, timeout=timeout) as sock:
            sock.sendall(struct.pack(">H", len(query)) + query)
            data = b""
            while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
                chunk = sock.recv(65535)
                if not chunk:
                    return None
                data += chunk
            return data[2 : 2 + struct.unpack(">H", data[:2])[0]]
    except OSError:
        return None


def ask(query: bytes, upstream: tuple[str, int]) -> bytes | None:
    """Upstream's NOERROR or NXDOMAIN answer to `query`, complete; None: none came."""
    for attempt in range(ATTEMPTS):
        over_tcp = attempt % 2 == 1
        timeout = 1.0 + attempt / 2
        answer = (_tcp if over_tcp else _udp)(query, upstream, timeout)
        if answer is None or len(answer) < 12 or answer[:2] != query[:2]:
            continue
        if answer[2] & 0x02 and not over_tcp:  # truncated: ask over TCP next
            answer = _tcp(query, upstream, timeout)
            if answer is None or len(answer) < 12 or answer[:2] != query[:2]:
                continue
        if answer[3] & 0x0F in (0, 3):
            return answer
        time.sleep(0.2 * (attempt + 1))  # SERVFAIL or REFUSED: ask again, a little later
    return None


def _fetch(entry: _Entry, question: Question, query: bytes, upstream: tuple[str, int]) -> None:
    """Ask upstream for `question` and keep the answer; the caller holds `entry.busy`."""
    started = time.monotonic()
    try:
        answer = ask(query, upstream)
        if answer is None:
            kept = "an expired answer kept" if entry.answer is not None else "no answer"
            log(
                f"upstream gave none for {question[0].decode()} type {question[1]} "
                f"in {time.monotonic() - started:.1f} s ({kept})"
            )
            return
        with _lock:
            entry.answer, entry.fetched = answer[2:], time.monotonic()
    finally:
        entry.done.set()
        entry.busy.release()


def resolve(query: bytes, upstream: tuple[str, int]) -> bytes | None:
    """The answer to `query` (a DNS message), with the query's own id; None: no answer."""
    question = question_of(query)
    if question is None:
        return None
    with _lock:
        entry = _entries.setdefault(question, _Entry())
        answer, fetched = entry.answer, entry.fetched
    if answer is not None:
        if time.monotonic() - fetched > TTL and entry.busy.acquire(blocking=False):
            threading.Thread(
                target=_fetch, args=(entry, question, query, upstream), daemon=True
            ).start()
        return query[:2] + answer
    if entry.busy.acquire(blocking=False):
        entry.done.clear()
        _fetch(entry, question, query, upstream)
    else:
        entry.done.wait(30)
    with _lock:
        answer = entry.answer
    return None if answer is None else query[:2] + answer


def main(argv: list[str]) -> int:
    args = argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    listen, upstream_host, warm = args[0], "", []
    rest = args[1:]
    while rest:
        flag = rest.pop(0)
        if flag == "--upstream" and rest:
            upstream_host = rest.pop(0)
        elif flag == "--warm":
            while rest and not rest[0].startswith("--"):
                warm.append(rest.pop(0))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    upstream = (upstream_host or _upstream(), 53)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data, sock = self.request
            answer = resolve(data, upstream)
            if answer is not None:
                sock.sendto(answer, self.client_address)

    server = socketserver.ThreadingUDPServer((listen, 53), Handler)
    server.daemon_threads = True
    log(f"dns-cache: {listen}:53 -> {upstream[0]}:53")
    if warm:
        threading.Thread(target=_warm, args=(warm, upstream), daemon=True).start()
    server.serve_forever()
    return 0


def _warm(hosts: list[str], upstream: tuple[str, int]) -> None:
    for host in hosts:
        for qtype in (1, 28):  # A, AAAA
            if resolve(query_for(host, qtype), upstream) is None:
                log(f"warm: no answer for {host} type {qtype}")
    log(f"warm: {' '.join(hosts)} asked")


def _upstream() -> str:
    with open("/etc/resolv.conf", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver" and not parts[1].startswith("127."):
                return parts[1]
    raise SystemExit("dns-cache: no nameserver in /etc/resolv.conf; pass --upstream")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
