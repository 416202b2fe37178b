"""Where browser tests save their screenshots.

docs/screenshots/ only when refreshing them (MENTORMATCH_SCREENSHOTS=1); otherwise a scratch
folder, so an ordinary test run still takes every picture but leaves the committed ones alone
(they show today's date, and would change on every run).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_folder() -> Path:
    if os.environ.get("MENTORMATCH_SCREENSHOTS") == "1":
        return DOCS
    folder = Path(tempfile.gettempdir()) / "mentormatch-screenshots"
    folder.mkdir(exist_ok=True)
    return folder
