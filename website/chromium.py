"""Headless Chromium for the browser tests and the benchmarks: where it is, and the flags it
needs on a machine with no internet (without them it stalls on refused connections)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def executable() -> str | None:
    """CHROMIUM, else Debian's /usr/bin/chromium, else None (Playwright's own browser)."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None
