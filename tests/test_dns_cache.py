"""bake/dns-cache.py against a real resolver on a loopback port that drops, stalls and counts."""

from __future__ import annotations

import importlib.util
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bake" / "dns-cache.py"


def _port_pair() -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket bound to the same free port on 127.0.0.1: a port free for UDP
    may be taken for TCP by another program, so another port is tried then."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind(("127.0.0.1", udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            continue
        return udp, tcp
    raise OSError("no port on 127.0.0.1 is free for both UDP and TCP")


class Upstream:
    """A DNS server on 127.0.0.1 answering every A question with 192.0.2.<n>, n = its count."""

    def __init__(self, *, udp: bool = True) -> None:
        self.udp_enabled = udp
        self.asked: list[tuple[str, bytes]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.udp, self.tcp = _port_pair()
        self.port = self.udp.getsockname()[1]
        self.tcp.listen()
        for serve in (self._serve_udp, self._serve_tcp):
            threading.Thread(target=serve, daemon=True).start()

    def answer(self, query: bytes, over: str) -> bytes:
        self.asked.append((over, query[12:]))
        self.gate.wait(10)
        header = query[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
        record = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4)
        return header + query[12:] + record + bytes([192, 0, 2, len(self.asked)])

    def _serve_udp(self) -> None:
        while True:
            try:
                query, client = self.udp.recvfrom(512)
            except OSError:
                return
            if self.udp_enabled:
                self.udp.sendto(self.answer(query, "udp"), client)
            else:
                self.asked.append(("udp dropped", query[12:]))

    def _serve_tcp(self) -> None:
        while True:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            with conn:
                size = struct.unpack(">H", conn.recv(2))[0]
                reply = self.answer(conn.recv(size), "tcp")
                conn.sendall(struct.pack(">H", len(reply)) + reply)

    def close(self) -> None:
        self.gate.set()
        self.udp.close()
        self.tcp.close()


@pytest.fixture
def dns() -> ModuleType:
    """A fresh copy of the forwarder, with an empty cache."""
    spec = importlib.util.spec_from_file_location("dns_cache", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


def _query(dns: ModuleType, host: str, *, ident: int, edns: bool = False) -> bytes:
    query = bytearray(dns.query_for(host, 1))
    query[:2] = struct.pack(">H", ident)
    if edns:  # one OPT record, as glibc and uv send differently
        query[10:12] = struct.pack(">H", 1)
        query += b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
    return bytes(query)


def _address(answer: bytes) -> str:
    return ".".join(str(b) for b in answer[-4:])


def test_one_question_is_asked_once_whatever_the_id_or_options(
    dns: ModuleType, upstream: Upstream
) -> None:
    at = ("127.0.0.1", upstream.port)
    first = dns.resolve(_query(dns, "pypi.org", ident=0x1111), at)
    second = dns.resolve(_query(dns, "PyPI.org", ident=0x2222, edns=True), at)

    assert len(upstream.asked) == 1
    assert first[:2] == b"\x11\x11" and second[:2] == b"\x22\x22"
    assert _address(first) == _address(second) == "192.0.2.1"


def test_an_expired_answer_is_served_at_once_while_upstream_is_asked_again(
    dns: ModuleType, upstream: Upstream
) -> None:
    at = ("127.0.0.1", upstream.port)
    dns.resolve(_query(dns, "files.pythonhosted.org", ident=1), at)
    dns.TTL = 0.0
    upstream.gate.clear()  # upstream stalls from now on

    stale = dns.resolve(_query(dns, "files.pythonhosted.org", ident=2), at)
    assert _address(stale) == "192.0.2.1"  # answered while upstream still stalls

    upstream.gate.set()
    entry = next(iter(dns._entries.values()))
    assert entry.busy.acquire(timeout=5)  # the background refresh has ended
    entry.busy.release()
    dns.TTL = 600.0
    fresh = dns.resolve(_query(dns, "files.pythonhosted.org", ident=3), at)
    assert _address(fresh) == "192.0.2.2"
    assert len(upstream.asked) == 2


def test_clients_asking_a_new_question_together_wait_for_one_upstream_answer(
    dns: ModuleType, upstream: Upstream
) -> None:
    at = ("127.0.0.1", upstream.port)
    upstream.gate.clear()
    answers: list[bytes] = []
    clients = [
        threading.Thread(
            target=lambda i=i: answers.append(dns.resolve(_query(dns, "pypi.org", ident=i), at))
        )
        for i in range(1, 6)
    ]
    for client in clients:
        client.start()
    upstream.gate.set()
    for client in clients:
        client.join(10)

    assert len(upstream.asked) == 1
    assert sorted(a[:2] for a in answers) == [struct.pack(">H", i) for i in range(1, 6)]
    assert {_address(a) for a in answers} == {"192.0.2.1"}


def test_a_resolver_that_drops_udp_is_asked_over_tcp(dns: ModuleType) -> None:
    server = Upstream(udp=False)
    try:
        answer = dns.resolve(_query(dns, "pypi.org", ident=7), ("127.0.0.1", server.port))
    finally:
        server.close()
    assert answer[:2] == b"\x00\x07"
    assert [over for over, _ in server.asked] == ["udp dropped", "tcp"]
    assert _address(answer) == "192.0.2.2"


def test_malformed_messages_get_no_answer(dns: ModuleType, upstream: Upstream) -> None:
    at = ("127.0.0.1", upstream.port)
    no_question = struct.pack(">HHHHHH", 9, 0x0100, 0, 0, 0, 0)
    compressed = struct.pack(">HHHHHH", 9, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01"
    cut_short = _query(dns, "pypi.org", ident=9)[:-3]

    assert [dns.resolve(m, at) for m in (b"\x00", no_question, compressed, cut_short)] == [None] * 4
    assert upstream.asked == []
    assert dns.question_of(_query(dns, "PyPI.ORG", ident=1)) == (b"pypi.org", 1, 1)
