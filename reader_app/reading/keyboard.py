"""The reading window's keyboard map, and how typed digits become a probability of malignancy.

Every shortcut is listed once, in :data:`SHORTCUTS`: the window dispatches on it, the help
overlay (F1) prints it, and docs/reading.md repeats it. A reader reads a whole session without
the mouse.

**Digits.** A probability of malignancy 0–100 is typed as digits, each within
:data:`DIGIT_WINDOW_S` of the one before: one digit is tens (``7`` → 70, ``0`` → 0), two digits
are the value (``7`` ``5`` → 75, ``0`` ``5`` → 5), and ``1`` ``0`` ``0`` → 100. The value is
shown from the first key on, so a reader who types ``7`` and waits has answered 70. Typing after
the pause starts a new number. Up/Down move by 1, Page Up/Page Down by 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from PySide6.QtCore import Qt


class Action(Enum):
    """What a key does in the reading window."""

    BENIGN = "benign"
    MALIGNANT = "malignant"
    POM_UP = "pom_up"
    POM_DOWN = "pom_down"
    POM_UP_10 = "pom_up_10"
    POM_DOWN_10 = "pom_down_10"
    BI_RADS_UP = "bi_rads_up"
    BI_RADS_DOWN = "bi_rads_down"
    COMMENT = "comment"
    HEATMAP = "heatmap"
    OPACITY_UP = "opacity_up"
    OPACITY_DOWN = "opacity_down"
    INVERT = "invert"
    RESET = "reset"
    ZOOM_LESION = "zoom_lesion"
    OUTLINE = "outline"
    MAGNIFIER = "magnifier"
    WINDOW_PRESET = "window_preset"
    SUBMIT = "submit"
    PAUSE = "pause"
    HELP = "help"
    CLOSE = "close"


@dataclass(frozen=True)
class Shortcut:
    """A line of the help overlay: its keys as shown, what they do, and their bindings."""

    label: str
    description: str
    bindings: tuple[tuple[Qt.Key, Action], ...]
    #: Only in aided reads (the help overlay says so).
    aided_only: bool = False


_K = Qt.Key
_A = Action

#: The keyboard map, in the order the help overlay lists it. The digits (no binding here) are
#: handled by :class:`ProbabilityTyping`.
SHORTCUTS: Final[tuple[Shortcut, ...]] = (
    Shortcut("B", "benign", ((_K.Key_B, _A.BENIGN),)),
    Shortcut("M", "malignant", ((_K.Key_M, _A.MALIGNANT),)),
    Shortcut("0 – 9", "probability of malignancy: 7 → 70 %, 7 5 → 75 %, 1 0 0 → 100 %", ()),
    Shortcut("↑ / ↓", "probability +1 / −1", ((_K.Key_Up, _A.POM_UP), (_K.Key_Down, _A.POM_DOWN))),
    Shortcut(
        "PgUp / PgDn",
        "probability +10 / −10",
        ((_K.Key_PageUp, _A.POM_UP_10), (_K.Key_PageDown, _A.POM_DOWN_10)),
    ),
    Shortcut(
        "] / [",
        "BI-RADS category up / down",
        ((_K.Key_BracketRight, _A.BI_RADS_UP), (_K.Key_BracketLeft, _A.BI_RADS_DOWN)),
    ),
    Shortcut(
        "C", "write a comment (Enter submits, Esc leaves the field)", ((_K.Key_C, _A.COMMENT),)
    ),
    Shortcut("H", "heat map on / off", ((_K.Key_H, _A.HEATMAP),), aided_only=True),
    Shortcut(
        ". / ,",
        "heat-map opacity up / down",
        ((_K.Key_Period, _A.OPACITY_UP), (_K.Key_Comma, _A.OPACITY_DOWN)),
        aided_only=True,
    ),
    Shortcut("I", "invert grey levels", ((_K.Key_I, _A.INVERT),)),
    Shortcut("R", "reset zoom, pan and window", ((_K.Key_R, _A.RESET),)),
    Shortcut("Z", "zoom to the lesion", ((_K.Key_Z, _A.ZOOM_LESION),)),
    Shortcut("L", "lesion outline on / off", ((_K.Key_L, _A.OUTLINE),)),
    Shortcut("G", "magnifier (1:1 pixels) on / off", ((_K.Key_G, _A.MAGNIFIER),)),
    Shortcut(
        "W",
        "next window preset (default, dense, soft, full range)",
        ((_K.Key_W, _A.WINDOW_PRESET),),
    ),
    Shortcut(
        "Enter",
        "submit, then the next case",
        ((_K.Key_Return, _A.SUBMIT), (_K.Key_Enter, _A.SUBMIT)),
    ),
    Shortcut("Space", "pause / resume (the reading timer stops)", ((_K.Key_Space, _A.PAUSE),)),
    Shortcut("F1", "this help on / off", ((_K.Key_F1, _A.HELP),)),
    Shortcut("Esc", "close this help; leave the comment field", ((_K.Key_Escape, _A.CLOSE),)),
)

#: Key code → action, for dispatch.
KEY_ACTIONS: Final[dict[int, Action]] = {
    key.value: action for shortcut in SHORTCUTS for key, action in shortcut.bindings
}
#: Mouse gestures, listed after the keys in the help overlay.
MOUSE_HELP: Final[tuple[tuple[str, str], ...]] = (
    ("wheel", "zoom (both views together)"),
    ("left drag", "pan"),
    ("right drag", "window / level"),
)

#: Seconds within which a digit continues the number being typed.
DIGIT_WINDOW_S: Final = 1.5
_DIGIT_KEYS: Final[dict[int, int]] = {_K.Key_0.value + n: n for n in range(10)}


def digit_of(key: int) -> int | None:
    """The digit a key code types (top row or keypad), or ``None``."""
    return _DIGIT_KEYS.get(key)


class ProbabilityTyping:
    """Turns digits typed at given times into a probability 0–100 (module docstring's rule)."""

    def __init__(self, window_s: float = DIGIT_WINDOW_S) -> None:
        self._window_s = window_s
        self._typed = ""
        self._last_at: float | None = None

    def reset(self) -> None:
        """Forget the number being typed (a new case, a slider moved by hand)."""
        self._typed = ""
        self._last_at = None

    def type(self, digit: int, at: float) -> int:
        """The probability after ``digit`` typed at ``at`` (seconds, monotonic)."""
        if not 0 <= digit <= 9:
            raise ValueError(f"not a digit: {digit}")
        continuing = self._last_at is not None and at - self._last_at <= self._window_s
        typed = (self._typed if continuing else "") + str(digit)
        if len(typed) > 3 or int(typed) > 100:
            typed = str(digit)  # cannot continue (e.g. 7 5 3): this digit starts a new number
        self._typed, self._last_at = typed, at
        return int(typed) * 10 if len(typed) == 1 else int(typed)
