"""Qt runs offscreen in the viewer's tests (set before pytest-qt creates the application)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
