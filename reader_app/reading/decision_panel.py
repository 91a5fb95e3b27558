"""The decision panel: benign or malignant, the probability of malignancy, BI-RADS, a comment.

The panel holds the answer being given and says, in place, what is still missing when the reader
tries to submit an incomplete one — never in a pop-up, which would take the reader's eyes off the
images. The decision and the probability are required; BI-RADS is required when the study asks
for it, the comment is optional and shown only when the study allows one. The probability starts
*unset* (not at 50): a reader who forgot it must be told, not recorded as undecided.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from model_core.vocabulary import BENIGN, BI_RADS_LESION_SCALE, LABEL_CODES, MALIGNANT
from studies.engine.reader_api import Answer

#: What the "missing" line calls each required part of an answer.
MISSING_DECISION = "benign or malignant (B / M)"
MISSING_POM = "probability of malignancy (digits)"
MISSING_BI_RADS = "BI-RADS category ([ / ])"


class DecisionPanel(QWidget):
    """The reader's answer to the case on screen."""

    #: The reader pressed the submit button or Enter in the comment field.
    submit_requested = Signal()

    def __init__(self, *, asks_bi_rads: bool, asks_comment: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("decisionPanel")
        self._asks_bi_rads = asks_bi_rads
        self._asks_comment = asks_comment
        self._pom: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)

        layout.addWidget(_heading("Your decision", "B / M"))
        decision_row = QHBoxLayout()
        self._decisions = QButtonGroup(self)
        self._decisions.setExclusive(True)
        self.benign_button = _choice("Benign", "benignButton")
        self.malignant_button = _choice("Malignant", "malignantButton")
        for code, button in ((0, self.benign_button), (1, self.malignant_button)):
            self._decisions.addButton(button, code)
            decision_row.addWidget(button)
        layout.addLayout(decision_row)

        layout.addWidget(_heading("Probability of malignancy", "type 0–9"))
        pom_row = QHBoxLayout()
        self._slider = QSlider(Qt.Orientation.Horizontal)
        self._slider.setRange(0, 100)
        self._slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._slider.setPageStep(10)
        self._slider.valueChanged.connect(self._slider_moved)
        self.pom_label = QLabel("— %")
        self.pom_label.setObjectName("pomValue")
        self.pom_label.setMinimumWidth(72)
        self.pom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        pom_row.addWidget(self._slider, 1)
        pom_row.addWidget(self.pom_label)
        layout.addLayout(pom_row)

        self._bi_rads = QButtonGroup(self)
        self._bi_rads.setExclusive(True)
        if asks_bi_rads:
            layout.addWidget(_heading("BI-RADS", "[ / ]"))
            row = QHBoxLayout()
            row.setSpacing(4)
            for index, category in enumerate(BI_RADS_LESION_SCALE):
                button = _choice(category, "biRadsButton")
                self._bi_rads.addButton(button, index)
                row.addWidget(button)
            layout.addLayout(row)

        self.comment = QLineEdit()
        self.comment.setObjectName("comment")
        self.comment.setPlaceholderText("comment (C)")
        self.comment.setMaxLength(500)
        self.comment.returnPressed.connect(self.submit_requested)
        self.comment.setVisible(asks_comment)
        layout.addWidget(self.comment)

        self.missing_label = QLabel("")
        self.missing_label.setObjectName("missing")
        self.missing_label.setWordWrap(True)
        self.missing_label.hide()
        layout.addWidget(self.missing_label)

        self.submit_button = QPushButton("Submit  ⏎")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.submit_button.clicked.connect(self.submit_requested)
        layout.addWidget(self.submit_button)

    # ------------------------------------------------------------------------------ state

    def reset(self, prefill: Answer | None = None) -> None:
        """Empty the panel for a new case (or fill it with an earlier answer to revise)."""
        for group in (self._decisions, self._bi_rads):
            checked = group.checkedButton()
            if checked is not None:
                group.setExclusive(False)
                checked.setChecked(False)
                group.setExclusive(True)
        self._pom = None
        self._slider.blockSignals(True)
        self._slider.setValue(0)
        self._slider.blockSignals(False)
        self.pom_label.setText("— %")
        self.comment.clear()
        self.comment.clearFocus()
        self.show_missing([])
        if prefill is not None:
            self.set_decision(prefill.decision)
            self.set_pom(prefill.pom)
            if prefill.bi_rads in BI_RADS_LESION_SCALE and self._asks_bi_rads:
                self._bi_rads.button(BI_RADS_LESION_SCALE.index(prefill.bi_rads)).setChecked(True)
            self.comment.setText(prefill.comment or "")

    def set_decision(self, code: int) -> None:
        """0 = benign, 1 = malignant."""
        self._decisions.button(code).setChecked(True)
        self._clear_missing_if_complete()

    def decision(self) -> int | None:
        """The chosen decision, if any."""
        checked = self._decisions.checkedId()
        return None if checked < 0 else checked

    def set_pom(self, value: int) -> None:
        """The probability of malignancy, clamped to 0–100."""
        value = max(0, min(100, int(value)))
        self._pom = value
        self._slider.blockSignals(True)
        self._slider.setValue(value)
        self._slider.blockSignals(False)
        self.pom_label.setText(f"{value} %")
        self._clear_missing_if_complete()

    def pom(self) -> int | None:
        """The probability typed or set, if any."""
        return self._pom

    def step_pom(self, delta: int) -> None:
        """Move the probability by ``delta`` (from 50 when none was set yet)."""
        self.set_pom((50 if self._pom is None else self._pom) + delta)

    def step_bi_rads(self, delta: int) -> None:
        """Move the BI-RADS category up or down the lesion scale (3, 4A, 4B, 4C, 5)."""
        if not self._asks_bi_rads:
            return
        current = self._bi_rads.checkedId()
        last = len(BI_RADS_LESION_SCALE) - 1
        start = -1 if delta > 0 else last + 1  # nothing chosen yet: from the scale's end
        index = max(0, min(last, (start if current < 0 else current) + delta))
        self._bi_rads.button(index).setChecked(True)
        self._clear_missing_if_complete()

    def bi_rads(self) -> str | None:
        """The chosen BI-RADS category, if any."""
        checked = self._bi_rads.checkedId()
        return None if checked < 0 else BI_RADS_LESION_SCALE[checked]

    def focus_comment(self) -> None:
        """Put the cursor in the comment field (when the study asks for comments)."""
        if self._asks_comment:
            self.comment.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # ----------------------------------------------------------------------------- answer

    def missing(self) -> list[str]:
        """What a complete answer still needs, in the panel's order."""
        missing = []
        if self.decision() is None:
            missing.append(MISSING_DECISION)
        if self._pom is None:
            missing.append(MISSING_POM)
        if self._asks_bi_rads and self.bi_rads() is None:
            missing.append(MISSING_BI_RADS)
        return missing

    def answer(self) -> Answer | None:
        """The answer, or ``None`` (and the missing parts shown in place) when incomplete."""
        missing = self.missing()
        self.show_missing(missing)
        if missing:
            return None
        decision, pom = self.decision(), self._pom
        assert decision is not None and pom is not None
        comment = self.comment.text().strip() if self._asks_comment else ""
        return Answer(decision, pom, self.bi_rads(), comment or None)

    def show_missing(self, missing: list[str]) -> None:
        """Say what is missing under the fields (nothing: the line disappears)."""
        self.missing_label.setText("Still needed: " + "; ".join(missing) if missing else "")
        self.missing_label.setVisible(bool(missing))

    def show_note(self, text: str) -> None:
        """Say ``text`` where missing parts are named (gone again at the next change)."""
        self.missing_label.setText(text)
        self.missing_label.setVisible(True)

    def set_inputs_enabled(self, enabled: bool) -> None:
        """Lock the panel while a submission is on its way (and unlock it for the next case)."""
        widgets: list[QWidget] = [*self._decisions.buttons(), *self._bi_rads.buttons()]
        for widget in (*widgets, self._slider, self.comment, self.submit_button):
            widget.setEnabled(enabled)

    def _slider_moved(self, value: int) -> None:
        self.set_pom(value)

    def _clear_missing_if_complete(self) -> None:
        if self.missing_label.isVisible():
            self.show_missing(self.missing())


def decision_text(answer: Answer) -> str:
    """An answer in one line, as the locked-answer banner and the practice feedback show it."""
    label = MALIGNANT if answer.decision == LABEL_CODES[MALIGNANT] else BENIGN
    parts = [label.capitalize(), f"{answer.pom} %"]
    if answer.bi_rads:
        parts.append(f"BI-RADS {answer.bi_rads}")
    return " · ".join(parts)


def _heading(text: str, keys: str = "") -> QLabel:
    """A section's title, with its keys in a quieter colour."""
    label = QLabel(
        text.upper() + (f"&nbsp;&nbsp;<span style='color:#7d8691'>{keys}</span>" if keys else "")
    )
    label.setObjectName("sectionHeading")
    return label


def _choice(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setCheckable(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button
