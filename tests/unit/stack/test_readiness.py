"""When production mode counts as up, and what it says when a server never answers."""

from __future__ import annotations

import http.server
from pathlib import Path

import pytest

from stack.isolated import free_port
from stack.readiness import NotHealthy, every_server_up, log_tails, wait_until_healthy
from tests.fakes.threads import serve_in_thread

STATS_HEADER = "# pxname,svname,status,\n"


def serve_stats(rows: list[str]) -> tuple[str, object]:
    """HAProxy's CSV statistics page with ``rows``, on a local port; its URL and server."""
    body = (STATS_HEADER + "".join(f"{row},\n" for row in rows)).encode()

    class Stats(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the handler's name is http.server's
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Stats)
    serve_in_thread(server)
    return f"http://127.0.0.1:{server.server_address[1]}/stats;csv", server


@pytest.mark.parametrize(
    ("rasa2", "expected"),
    [("UP", True), ("DOWN 1/2", False), ("DOWN", False)],
)
def test_production_counts_as_up_only_once_haproxy_routes_to_every_instance(
    rasa2: str, expected: bool
) -> None:
    url, server = serve_stats(
        [
            "rasa,FRONTEND,OPEN",
            "rasa_servers,rasa1,UP",
            f"rasa_servers,rasa2,{rasa2}",
            "rasa_servers,BACKEND,UP",
            "action_servers,actions1,UP",
            "stats,FRONTEND,OPEN",
        ]
    )
    try:
        assert every_server_up(url) is expected
    finally:
        server.shutdown()  # type: ignore[attr-defined]


def test_an_unreachable_statistics_page_is_not_up() -> None:
    assert every_server_up(f"http://127.0.0.1:{free_port()}/stats;csv") is False


def test_a_server_that_never_answers_is_named_with_the_end_of_its_log(tmp_path: Path) -> None:
    (tmp_path / "rasa-1.log").write_text(
        "".join(f"line {i}\n" for i in range(20)) + "OSError: model not found\n"
    )
    with pytest.raises(NotHealthy) as raised:
        wait_until_healthy(
            {"rasa-1": "http://127.0.0.1:9/", "desk": "http://127.0.0.1:9/"}, 0, lambda _: False
        )
    assert raised.value.pending == ["rasa-1", "desk"]
    tails = log_tails(tmp_path, raised.value.pending)
    assert tails.endswith("line 19\nOSError: model not found")
    assert "line 12" not in tails and "desk" not in tails
