"""Ports for a test or benchmark stack: free now, and never one an outgoing connection takes."""

from __future__ import annotations

import socket

from stack.isolated import bindable, consecutive_free_ports, ephemeral_floor, free_port


def test_a_free_port_lies_below_the_ports_outgoing_connections_take() -> None:
    ports = {free_port() for _ in range(50)}

    assert all(1024 < port < ephemeral_floor() for port in ports)
    assert len(ports) > 40  # chosen at random, so two stacks on one machine rarely collide


def test_a_port_a_server_listens_on_is_not_offered() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", free_port()))
        server.listen()
        taken = server.getsockname()[1]

        assert not bindable(taken)


def test_consecutive_ports_are_both_free() -> None:
    port = consecutive_free_ports()

    assert bindable(port) and bindable(port + 1)
