"""The login screen and the reader's list of sessions.

**Login.** The study's title (so a reader at a workstation shared by several studies knows
which one this is), then the reader's id and PIN — or, switched with the "Coordinator" link,
the coordinator's password. A wrong PIN is answered in place, under the fields; the engine
slows repeated failures down and says for how long.

**Sessions.** Each of the reader's sessions with its state and progress ("case 12 of 30"). A
session still closed by the washout shows the date it opens, and nothing else of it: not its
cases, not its mode. The session to continue is selected, Enter opens it.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studies.engine.clock import Clock
from studies.engine.reader_api import LoginError, ReaderSession, SessionStatus
from studies.engine.reading_settings import ReadingSettings
from studies.engine.session_state import SessionState
from studies.errors import StudyError
from studies.store.database import Store

#: What each session of a design holds, as the session list says it.
SESSION_MODES: dict[str, dict[int, str]] = {
    "crossover": {1: "unaided reading", 2: "aided reading (with the AI model)"},
    "counterbalanced": {1: "unaided and aided cases, mixed", 2: "unaided and aided cases, mixed"},
    "sequential": {1: "each case unaided, then with the AI model"},
}


class LoginPage(QWidget):
    """Reader id + PIN, or the coordinator's password."""

    #: A reader logged in.
    reader_logged_in = Signal(object)
    #: The coordinator's password was accepted (with what ``check_coordinator`` returned: the
    #: proof of access the dashboard asks for).
    coordinator_logged_in = Signal(object)

    def __init__(
        self,
        store: Store,
        settings: ReadingSettings,
        clock: Clock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loginPage")
        self._store = store
        self._clock = clock
        layout = _centred_card(self, 520)
        product = QLabel("CESM Reader Study")
        product.setObjectName("product")
        title = QLabel(settings.title)
        title.setObjectName("studyTitle")
        title.setWordWrap(True)
        layout.addWidget(product)
        layout.addWidget(title)
        if settings.simulated:
            simulated = QLabel("SIMULATED readers have used this study (a dry run).")
            simulated.setObjectName("warning")
            layout.addWidget(simulated)
        layout.addSpacing(14)

        self._forms = QStackedWidget()
        self._forms.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._forms.addWidget(self._reader_form())
        self._forms.addWidget(self._coordinator_form())
        layout.addWidget(self._forms)
        self.message = QLabel("")
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.switch_button = QPushButton("Coordinator login")
        self.switch_button.setObjectName("linkButton")
        self.switch_button.setFlat(True)
        self.switch_button.clicked.connect(self._switch)
        layout.addWidget(self.switch_button, alignment=Qt.AlignmentFlag.AlignRight)

    def _reader_form(self) -> QWidget:
        form = QWidget()
        layout = QVBoxLayout(form)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Reader"))
        self.reader_field = QLineEdit()
        self.reader_field.setObjectName("readerField")
        self.reader_field.setPlaceholderText("your reader id, e.g. R1")
        layout.addWidget(self.reader_field)
        layout.addWidget(QLabel("PIN"))
        self.pin_field = QLineEdit()
        self.pin_field.setObjectName("pinField")
        self.pin_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_field.setValidator(QRegularExpressionValidator(r"\d{0,12}"))
        layout.addWidget(self.pin_field)
        self.reader_field.returnPressed.connect(self.pin_field.setFocus)
        self.pin_field.returnPressed.connect(self.log_in)
        button = QPushButton("Log in  ⏎")
        button.setObjectName("primaryButton")
        button.clicked.connect(self.log_in)
        layout.addSpacing(6)
        layout.addWidget(button)
        return form

    def _coordinator_form(self) -> QWidget:
        form = QWidget()
        layout = QVBoxLayout(form)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Coordinator password"))
        self.password_field = QLineEdit()
        self.password_field.setObjectName("passwordField")
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_field.returnPressed.connect(self.log_in_coordinator)
        layout.addWidget(self.password_field)
        button = QPushButton("Open the dashboard  ⏎")
        button.setObjectName("primaryButton")
        button.clicked.connect(self.log_in_coordinator)
        layout.addSpacing(6)
        layout.addWidget(button)
        return form

    def _switch(self) -> None:
        coordinator = self._forms.currentIndex() == 0
        self._forms.setCurrentIndex(1 if coordinator else 0)
        self.switch_button.setText("Reader login" if coordinator else "Coordinator login")
        self.message.clear()
        (self.password_field if coordinator else self.reader_field).setFocus()

    def reset(self) -> None:
        """Empty the fields (after a logout) and put the cursor in the first one."""
        for field in (self.reader_field, self.pin_field, self.password_field):
            field.clear()
        self.message.clear()
        self._forms.setCurrentIndex(0)
        self.switch_button.setText("Coordinator login")
        self.reader_field.setFocus()

    def log_in(self) -> None:
        """Check the reader's PIN; a wrong one is answered under the fields."""
        reader_id = self.reader_field.text().strip()
        if not reader_id or not self.pin_field.text():
            self.message.setText("Enter your reader id and PIN.")
            return
        try:
            session = ReaderSession.login(
                self._store, reader_id, self.pin_field.text(), clock=self._clock
            )
        except LoginError as error:
            self.message.setText(_sentence(str(error)))
            self.pin_field.clear()
            self.pin_field.setFocus()
            return
        except StudyError as error:
            self.message.setText(_sentence(str(error)))
            return
        self.message.clear()
        self.pin_field.clear()
        self.reader_logged_in.emit(session)

    def show_refusal(self, text: str) -> None:
        """A logged-in reader may not go on here (e.g. already reading in another window)."""
        self.message.setText(_sentence(text))
        self.pin_field.clear()
        self.reader_field.setFocus()
        self.reader_field.selectAll()  # typing another reader id replaces it

    def log_in_coordinator(self) -> None:
        """Check the coordinator's password (the engine audits it and slows failures down)."""
        from studies.engine.coordinator_api import check_coordinator

        try:
            access = check_coordinator(  # returns the proof of access (dashboard branch)
                self._store, self.password_field.text(), clock=self._clock
            )  # type: ignore[func-returns-value,unused-ignore]
        except StudyError as error:
            self.message.setText(_sentence(str(error)))
            self.password_field.clear()
            return
        self.password_field.clear()
        self.message.clear()
        self.coordinator_logged_in.emit(access)


class SessionsPage(QWidget):
    """The logged-in reader's sessions; Enter opens the selected one, Esc logs out."""

    #: The reader opens session ``index``.
    session_chosen = Signal(int)
    #: The reader logs out.
    logged_out = Signal()

    def __init__(self, settings: ReadingSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionsPage")
        self._settings = settings
        self._statuses: list[SessionStatus] = []
        layout = _centred_card(self, 640)
        self.greeting = QLabel("")
        self.greeting.setObjectName("studyTitle")
        layout.addWidget(self.greeting)
        study = QLabel(settings.title)
        study.setObjectName("note")
        study.setWordWrap(True)
        layout.addWidget(study)
        layout.addSpacing(8)
        self.list = QListWidget()
        self.list.setObjectName("sessionList")
        self.list.itemActivated.connect(self._activated)
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.list)
        self.washout = QLabel("")
        self.washout.setObjectName("washoutNotice")
        self.washout.setWordWrap(True)
        self.washout.hide()
        layout.addWidget(self.washout)
        self.message = QLabel("")
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        hint = QLabel("↑ ↓ choose · Enter open · Esc log out")
        hint.setObjectName("note")
        row.addWidget(hint)
        row.addStretch(1)
        logout = QPushButton("Log out")
        logout.clicked.connect(self.logged_out)
        row.addWidget(logout)
        layout.addLayout(row)

    def show_sessions(self, reader_id: str, statuses: list[SessionStatus]) -> None:
        """List ``statuses``; the session to continue is selected."""
        self._statuses = list(statuses)
        self.greeting.setText(f"Reader {reader_id}")
        self.list.clear()
        self.message.clear()
        selected = None
        washout_note = ""
        for status in statuses:
            item = QListWidgetItem(session_line(status, self._settings.design))
            item.setData(Qt.ItemDataRole.UserRole, status.index)
            if not status.can_open:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            elif selected is None:
                selected = item
            self.list.addItem(item)
            if status.opens_at is not None and not status.can_open:
                washout_note = (
                    f"Your session {status.index} opens on {_date(status.opens_at)}. "
                    "There is nothing to read until then."
                )
        self.washout.setText(washout_note)
        self.washout.setVisible(bool(washout_note))
        rows = sum(self.list.sizeHintForRow(row) for row in range(self.list.count()))
        self.list.setFixedHeight(rows + 2 * self.list.frameWidth() + 8)
        if selected is not None:
            self.list.setCurrentItem(selected)
        self.list.setFocus()

    def resumable(self) -> int | None:
        """The session the reader was in the middle of (in progress or paused), if any."""
        for status in self._statuses:
            if status.can_open and status.state in (SessionState.IN_PROGRESS, SessionState.PAUSED):
                return status.index
        return None

    def show_message(self, text: str) -> None:
        """Say why a session did not open."""
        self.message.setText(_sentence(text))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        # Enter reaches the list (itemActivated); Esc, which the list ignores, comes here
        if event.key() == Qt.Key.Key_Escape:
            self.logged_out.emit()
            return
        super().keyPressEvent(event)

    def _activated(self, item: QListWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.session_chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))


def session_line(status: SessionStatus, design: str) -> str:
    """One line of the session list (a washout-closed session shows its date only)."""
    head = f"Session {status.index}"
    if not status.can_open and status.state is not SessionState.COMPLETED:
        if status.opens_at is not None:
            return f"{head}  ·  opens on {_date(status.opens_at)}"
        return f"{head}  ·  opens after the washout that follows session {status.index - 1}"
    mode = SESSION_MODES.get(design, {}).get(status.index, "")
    if status.state is SessionState.COMPLETED:
        progress = f"completed ({status.total} of {status.total} cases)"
    elif status.state is SessionState.NOT_STARTED:
        progress = f"not started · {status.total} cases"
    else:
        state = "paused" if status.state is SessionState.PAUSED else "in progress"
        progress = f"{state} · case {min(status.read + 1, status.total)} of {status.total}"
    return f"{head}  ·  {mode}  ·  {progress}" if mode else f"{head}  ·  {progress}"


def _date(moment: datetime) -> str:
    return f"{moment:%A %d %B %Y, %H:%M} UTC"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _centred_card(page: QWidget, width: int) -> QVBoxLayout:
    """The layout of a card ``width`` pixels wide, centred on ``page`` (login and sessions)."""
    outer = QVBoxLayout(page)
    outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
    card = _Card()
    card.setObjectName("card")
    card.setFixedWidth(width)
    card.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(36, 30, 36, 30)
    layout.setSpacing(10)
    outer.addWidget(card)
    return layout


class _Card(QFrame):
    """A fixed-width card as tall as its content at that width.

    A plain frame's size hints take a word-wrapped label (a long study title, a refusal
    message) at its one-line height, and the page's layout then squeezed the fields and the
    button until the button's text was clipped; the height for the card's own width is right.
    """

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        layout = self.layout()
        if layout is None:
            return super().sizeHint()
        return QSize(self.width(), layout.heightForWidth(self.width()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.sizeHint()
