"""Debian's Chromium for the browser tests: where it is and how it is started.

``make pytest`` installs it first (scripts/install-browser.sh); Playwright's own browser
download is never used.
"""

from __future__ import annotations

import shutil

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    """Chromium's path, or a failed test saying how to install it."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("no chromium on PATH: run scripts/install-browser.sh (make pytest does)")
    return found
