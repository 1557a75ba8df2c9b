"""The web chat page: what the widget is told, run in a real JavaScript engine."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest

from channels.webchat import render_page
from merchants.tenants import TypingDelay, WebChatChannel

NODE = shutil.which("node")


def typing_ms(page: str, messages: list[str]) -> list[int]:
    """The delays the page's ``customMessageDelay`` gives these bubbles, computed by node."""
    found = re.search(r"customMessageDelay: (\(message\) =>.*?\)\)),", page, re.S)
    assert found, "the page sets no customMessageDelay"
    script = (
        f"const f = {found.group(1)};\nconsole.log(JSON.stringify({json.dumps(messages)}.map(f)));"
    )
    assert NODE, "node is needed (it is what `make webchat` installs the widget with)"
    done = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    delays: list[int] = json.loads(done.stdout)
    return delays


def test_a_bubble_shows_after_a_short_pause_that_grows_with_its_length_up_to_a_second() -> None:
    page = render_page("demo", WebChatChannel(path="demo"), "/w.js", None)
    short, medium, long_, empty = typing_ms(page, ["ok", "x" * 60, "x" * 900, ""])
    assert (short, medium, long_, empty) == (300, 480, 1000, 300)


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        (TypingDelay(per_char_ms=0, min_ms=0, max_ms=0), [0, 0]),
        (TypingDelay(per_char_ms=30, min_ms=800, max_ms=3000), [800, 3000]),
    ],
)
def test_a_merchant_sets_its_own_pause_or_none(delay: TypingDelay, expected: list[int]) -> None:
    settings = WebChatChannel(path="demo", typing_delay=delay)
    page = render_page("demo", settings, "/w.js", None)
    assert typing_ms(page, ["hi", "x" * 400]) == expected


def test_a_title_cannot_close_the_script_or_the_page_markup() -> None:
    title = "Help</script><script>alert(1)</script><b>"
    page = render_page("demo", WebChatChannel(path="demo", title=title), "/w.js", None)
    assert "</script><script>alert(1)" not in page
    assert "<b>" not in page
    assert f"<header>{html.escape(title)}</header>" in page  # shown, as text
