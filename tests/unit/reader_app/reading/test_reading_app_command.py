"""``cesm-reader app``: without a display it says how to run it, and builds nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cesm_cli.commands.app import has_display
from cesm_cli.main import main


@pytest.fixture
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)


def test_without_a_display_the_command_shows_the_xvfb_hint_and_builds_nothing(
    no_display: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["app", "--demo"]) == 2
    error = capsys.readouterr().err
    assert "no graphical display" in error
    assert "xvfb-run -a cesm-reader app --demo" in error
    assert list(tmp_path.iterdir()) == []  # the demo study was not built


@pytest.mark.skipif(sys.platform != "linux", reason="macOS and Windows always have a display")
@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, False),
        ({"DISPLAY": ":0"}, True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, True),
        ({"QT_QPA_PLATFORM": "offscreen"}, True),
        ({"QT_QPA_PLATFORM": "xcb"}, False),
    ],
)
def test_a_display_is_found_where_qt_can_show_a_window(
    environment: dict[str, str], expected: bool
) -> None:
    assert has_display(environment) is expected
