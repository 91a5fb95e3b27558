"""The keyboard map: digits into a probability, every shortcut bound once and on the help
overlay (F1), which F1 and Esc close."""

from __future__ import annotations

import pytest
from keys import open_session, press
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from reader_app.reading.keyboard import (
    DIGIT_WINDOW_S,
    KEY_ACTIONS,
    SHORTCUTS,
    ProbabilityTyping,
    digit_of,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7", 70),
        ("0", 0),
        ("75", 75),
        ("05", 5),
        ("100", 100),
        ("10", 10),
        ("753", 30),  # a digit that cannot continue the number starts a new one
        ("1000", 0),
    ],
)
def test_digits_typed_together_make_one_probability(typed: str, expected: int) -> None:
    typing = ProbabilityTyping()
    values = [typing.type(int(digit), at=0.1 * index) for index, digit in enumerate(typed)]
    assert values[-1] == expected
    assert values[0] == int(typed[0]) * 10  # shown from the first key on


def test_a_pause_between_digits_starts_a_new_number() -> None:
    typing = ProbabilityTyping()
    assert typing.type(7, at=0.0) == 70
    assert typing.type(5, at=DIGIT_WINDOW_S + 0.01) == 50
    typing.reset()
    assert typing.type(2, at=DIGIT_WINDOW_S + 0.02) == 20


def test_every_key_is_bound_once_and_digits_are_digits() -> None:
    bound = [key for shortcut in SHORTCUTS for key, _ in shortcut.bindings]
    assert len(bound) == len(set(bound)) == len(KEY_ACTIONS)
    assert [digit_of(Qt.Key.Key_0.value + n) for n in range(10)] == list(range(10))
    assert digit_of(Qt.Key.Key_B.value) is None


def test_the_help_overlay_lists_every_shortcut_and_closes_with_f1_or_esc(
    qtbot, seat_reader
) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R1")
    reading = open_session(qtbot, window)
    press(window, Qt.Key.Key_F1)
    overlay = reading.help_overlay
    assert overlay.isVisible()
    texts = {label.text() for label in overlay.findChildren(QLabel)}
    for shortcut in SHORTCUTS:
        assert shortcut.label in texts
        assert any(text.startswith(shortcut.description) for text in texts)
    press(window, "m")  # keys do nothing under the help
    assert reading.decision_panel.decision() is None
    press(window, Qt.Key.Key_Escape)
    assert not overlay.isVisible()
    press(window, Qt.Key.Key_F1, Qt.Key.Key_F1)
    assert not overlay.isVisible()
    store.close()


def test_the_image_keys_drive_the_views(qtbot, seat_reader) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R2")
    viewer = open_session(qtbot, window).viewer
    view = viewer.panels[0].view
    fitted = view.viewRange()
    press(window, "i")
    assert viewer.is_inverted()
    outline = viewer.outline_visible()
    press(window, "l")
    assert viewer.outline_visible() is not outline
    press(window, "z")
    zoomed = view.viewRange()
    assert zoomed[0][1] - zoomed[0][0] < fitted[0][1] - fitted[0][0]  # closer on the lesion
    default = viewer.grey_window(0)
    press(window, "w")
    assert viewer.grey_window(0) != default
    assert window.reading.window_preset_label.text() == "Window: Dense"
    press(window, "r")
    assert not viewer.is_inverted() and viewer.grey_window(0) == default
    assert [value for axis in view.viewRange() for value in axis] == pytest.approx(
        [value for axis in fitted for value in axis]
    )
    press(window, "h")  # an unaided read has no heat map to switch on
    assert not viewer.heatmap_visible()
    store.close()
