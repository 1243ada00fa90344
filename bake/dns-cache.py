"""Caching DNS forwarder for the current engine's bridge (bake/engine-current-up.sh).

Usage: python3 dns-cache.py LISTEN_ADDRESS [UPSTREAM]

Answers UDP queries on LISTEN_ADDRESS:53 from a cache (10 minutes for answers and NXDOMAIN),
else from UPSTREAM (default: the first nameserver of /etc/resolv.conf), retrying a lost or
SERVFAIL answer up to six times; one question is asked upstream once at a time, the other
clients asking it wait for that answer; when upstream gives none, an expired answer is
served rather than none. Builds resolve the same few index hosts hundreds of times,
in parallel; the machine's resolver drops some of such bursts, which fails a RUN step with
"dns error ... Try again". Standard library only; UDP only (no TCP fallback for truncated
answers, which index hosts' A/AAAA records do not need).
"""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time

TTL = 600.0
ATTEMPTS = 6
_cache: dict[bytes, tuple[float, bytes]] = {}
_lock = threading.Lock()
_asking: dict[bytes, threading.Lock] = {}


def _upstream() -> str:
    with open("/etc/resolv.conf", encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver" and not parts[1].startswith("127."):
                return parts[1]
    raise SystemExit("dns-cache: no nameserver in /etc/resolv.conf; pass UPSTREAM")


def resolve(query: bytes, upstream: tuple[str, int]) -> bytes | None:
    """The answer to `query` (a DNS message), with the query's own id; None: no answer."""
    if len(query) < 12:
        return None
    key = query[12:]  # question (and EDNS options): the same for every client asking
    with _lock:
        asking = _asking.setdefault(key, threading.Lock())
    with asking:
        with _lock:
            hit = _cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return query[:2] + hit[1]
        answer = _ask(query, upstream)
        if answer is None:
            return query[:2] + hit[1] if hit is not None else None
        rcode = answer[3] & 0x0F
        if rcode in (0, 3) and not answer[2] & 0x02:  # NOERROR / NXDOMAIN, not truncated
            with _lock:
                _cache[key] = (time.monotonic() + TTL, answer[2:])
        return answer


def _ask(query: bytes, upstream: tuple[str, int]) -> bytes | None:
    for attempt in range(ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(1.0 + attempt)
            sock.sendto(query, upstream)
            try:
                answer, _ = sock.recvfrom(65535)
            except OSError:
                continue
        if len(answer) < 12 or answer[:2] != query[:2]:
            continue
        if answer[3] & 0x0F == 2:  # SERVFAIL: ask again, a little later
            time.sleep(0.2 * (attempt + 1))
            continue
        return answer
    return None


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    upstream = (argv[2] if len(argv) == 3 else _upstream(), 53)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            data, sock = self.request
            answer = resolve(data, upstream)
            if answer is not None:
                sock.sendto(answer, self.client_address)

    server = socketserver.ThreadingUDPServer((argv[1], 53), Handler)
    server.daemon_threads = True
    print(f"dns-cache: {argv[1]}:53 -> {upstream[0]}:53", file=sys.stderr, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
