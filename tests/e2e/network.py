"""Which internet sockets a process tree holds (read from ``/proc``, Linux only), and a tripwire
that records any HTTP(S) call a library makes through the proxy variables."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from stack.isolated import free_port

PROC = Path("/proc")
TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "0A": "LISTEN"}


@dataclass(frozen=True)
class Connection:
    """One socket with a remote end."""

    pid: int
    protocol: str
    remote: str
    port: int
    state: str

    @property
    def is_loopback(self) -> bool:
        address = ipaddress.ip_address(self.remote)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address.is_loopback


def descendants(root: int) -> set[int]:
    """``root`` and every process below it, from each thread's list of children in ``/proc``.

    Only the tree is read, not every process of the machine, so a profiler can call it at
    every test (``tests/cpu_usage.py``).
    """
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        for children in PROC.glob(f"{pid}/task/*/children"):
            try:
                todo.extend(int(child) for child in children.read_text().split())
            except OSError:  # the thread or the process ended meanwhile
                continue
    return found


def _address(hex_address: str) -> tuple[str, int]:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    # the kernel prints each 32-bit word in host (little-endian) order
    packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, packed), int(port, 16)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in (PROC / str(pid) / "fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:  # the process ended
        pass
    return inodes


def connections(pids: set[int]) -> list[Connection]:
    """Every TCP or UDP socket of ``pids`` that has a remote end (listeners left out)."""
    found = []
    for pid in pids:
        inodes = _socket_inodes(pid)
        if not inodes:
            continue
        for protocol in ("tcp", "tcp6", "udp", "udp6"):
            try:
                lines = (PROC / str(pid) / "net" / protocol).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if fields[9] not in inodes:
                    continue
                remote, port = _address(fields[2])
                if port == 0:  # a listener, or an unconnected UDP socket
                    continue
                state = TCP_STATES.get(fields[3], fields[3])
                found.append(Connection(pid, protocol, remote, port, state))
    return found


class Sampler:
    """Samples the connections of some process trees in the background until stopped."""

    def __init__(self, roots: list[int], interval_s: float = 0.05) -> None:
        self.roots = roots
        self.interval_s = interval_s
        self.seen: set[Connection] = set()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids: set[int] = set()
            for root in self.roots:
                pids |= descendants(root)
            self.seen.update(connections(pids))
            self.samples += 1
            self._stop.wait(self.interval_s)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    @property
    def outside(self) -> list[Connection]:
        """What was seen with a remote end that is not this machine's loopback."""
        return sorted((c for c in self.seen if not c.is_loopback), key=str)


class Tripwire:
    """A local TCP listener that records who connected to it (as an HTTP(S) proxy would see)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(4096))
                except OSError:
                    self.requests.append(b"")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Proxy variables that send any outbound HTTP(S) here; local addresses go direct."""
        names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
        env = {name: self.url for name in names} | {name.lower(): self.url for name in names}
        local = "127.0.0.1,localhost,::1"
        return env | {"NO_PROXY": local, "no_proxy": local}

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()
