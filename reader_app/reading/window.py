"""The reading window: one case at a time, keyboard first, never waiting, never losing an answer.

Layout: a top bar (the read's mode, "case k of n" and a progress bar), an optional banner (the
store is unreachable), the two image views (:class:`~reader_app.viewer.case_viewer.CaseViewer`)
and, on the right, the case's clinical information, the model's output (aided reads only) and
the decision panel. Pause and help are overlays, never dialogs.

The reading loop:

1. A case is *presented*: the panel is emptied, the progress updated, the images shown as soon
   as the prefetcher has them (usually already), and — for an aided read only — the model's
   output shown (:mod:`.blinding`). The cases after it are requested from the session
   (:meth:`ReaderSession.upcoming`) and handed to the prefetcher, so their images are prepared
   while the reader reads.
2. Enter with an incomplete answer: the panel says what is missing, nothing is sent.
3. Enter with a complete answer: the panel is locked and the submission goes to the engine
   thread (:mod:`.submission`). The next case is presented only once the store committed the
   answer — or, with the store unreachable, once the answer is safely in this computer's outbox
   (a plain banner then says so, and a timer delivers the outbox when the store is back).
4. A practice case shows its truth in the panel, and Enter goes on.

Keys go through an application-wide event filter while the window is shown, so a click on an
image or a button never takes the keyboard away; the comment field keeps its typing keys.
"""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from model_core.vocabulary import AIDED, LABELS
from reader_app.viewer.case_viewer import CaseViewer
from reader_app.viewer.prefetch import CasePrefetcher
from reader_app.viewer.prepared_case import PreparedCase, with_heatmap
from reader_app.viewer.window_presets import PRESET_NAMES
from studies.engine.clock import Clock
from studies.engine.outbox import OutboxError
from studies.engine.reader_api import Answer, CaseToRead, ReaderSession, RefusedSubmissionError
from studies.engine.reading_settings import ReadingSettings
from studies.engine.store_access import StoreRefusedError, StoreUnavailable

from .aided_panel import AidedPanel
from .blinding import for_image_preparation, model_output
from .decision_panel import DecisionPanel, decision_text
from .engine_thread import EngineThread
from .exposure import ExposureLog
from .keyboard import KEY_ACTIONS, Action, ProbabilityTyping, digit_of
from .overlays import HelpOverlay, PauseOverlay
from .submission import OutboxDelivery, SubmitOutcome, Submitter, measured_timing

#: Cases whose images are prepared ahead of the one on screen (the prefetcher keeps two).
PREFETCH_AHEAD = 1
#: How often the outbox is offered to the store again while it holds answers (ms).
OUTBOX_RETRY_MS = 5000
STORE_DOWN_BANNER = (
    "The study database cannot be reached; your decision is saved on this computer and will "
    "be sent when it is back."
)


def delivery_banner(error: BaseException) -> str | None:
    """The banner when answers kept on this computer could not be delivered for a reason other
    than the database being away; ``None`` when the error is not one to show there (the
    database away: :data:`STORE_DOWN_BANNER`; a paused session: resumed before the next try)."""
    if isinstance(error, StoreRefusedError):
        return (
            f"Your decisions saved on this computer could not be sent: {error}. They stay "
            "saved on this computer and are offered again every few seconds; please tell the "
            "study coordinator."
        )
    if isinstance(error, (OutboxError, OSError)):
        return (
            f"Your decisions saved on this computer could not be handled: {error}. Please "
            "keep the application open and tell the study coordinator."
        )
    return None


class ReadingWindow(QWidget):
    """Reads one session of one reader; emits :attr:`session_left` when the reader is done."""

    #: The reader pressed Enter on the "session complete" page.
    session_left = Signal()
    #: A case was presented (its id and stage): for tests and the status line.
    case_presented = Signal(str, str)
    #: The store committed an answer, or the outbox took it (decision id or 0).
    answer_recorded = Signal(int)

    def __init__(
        self,
        session: ReaderSession,
        settings: ReadingSettings,
        submitter: Submitter,
        clock: Clock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("readingWindow")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._session = session
        self._settings = settings
        self._submitter = submitter
        self._clock = clock
        self._engine = EngineThread(self)
        self._engine.done.connect(self._engine_done)
        self._typing = ProbabilityTyping()
        self._exposure = ExposureLog(clock)
        self._case: CaseToRead | None = None
        #: Sequential design: Enter was pressed once on the aided stage's untouched pre-filled
        #: answer, and the reader was asked to press it again to keep it.
        self._kept_unaided_asked = False
        self._after_feedback: CaseToRead | None = None
        self._state = "idle"  # see state()
        self._session_index: int | None = None
        self._shown_at = clock.now()
        self._paused_s = 0.0
        self._paused_since: datetime | None = None
        self._carried: PreparedCase | None = None
        self._notice = ""  # a message for the next case presented
        self._preset = 0
        self._shown_when_submitted: PreparedCase | None = None
        self._build()
        self._prefetcher = CasePrefetcher((1080, 960), self)  # set per request (_request)
        self._prefetcher.prepared.connect(self._case_prepared)
        self._prefetcher.failed.connect(self._case_failed)
        self._closing_warned = False  # the banner warns about closing: it keeps that text
        self._retry = QTimer(self)
        self._retry.setInterval(OUTBOX_RETRY_MS)
        self._retry.timeout.connect(self._deliver_outbox)
        self._delivering = False
        self._resume_owed = False  # a resume the store did not record (see _resume_done)

    # ------------------------------------------------------------------------------ layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        top = QFrame()
        top.setObjectName("topBar")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(12, 6, 12, 6)
        self.mode_label = QLabel("")
        self.mode_label.setObjectName("modeLabel")
        self.practice_badge = QLabel("PRACTICE — not scored")
        self.practice_badge.setObjectName("practiceBadge")
        self.practice_badge.hide()
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("progressLabel")
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedWidth(220)
        self.progress_bar.setFixedHeight(8)
        reader = QLabel(f"Reader {self._session.reader_id}")
        reader.setObjectName("note")
        help_hint = QLabel("F1  shortcuts")
        help_hint.setObjectName("note")
        # the study's title on every screen: a demo or dry run says so there ("simulated ...")
        study = QLabel(self._settings.title)
        study.setObjectName("note")
        study.setToolTip(self._settings.title)
        # a long title gives way (clipped at the right) instead of widening the window past
        # the screen, which would push the decision panel out of sight
        study.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.mode_label)
        bar.addSpacing(16)
        bar.addWidget(study, 1)
        bar.addSpacing(12)
        bar.addWidget(self.practice_badge)
        self.window_preset_label = QLabel("")
        self.window_preset_label.setObjectName("note")
        bar.addWidget(self.window_preset_label)
        bar.addSpacing(20)
        bar.addWidget(self.progress_label)
        bar.addSpacing(10)
        bar.addWidget(self.progress_bar)
        bar.addSpacing(20)
        bar.addWidget(reader)
        bar.addSpacing(20)
        bar.addWidget(help_hint)
        outer.addWidget(top)

        self.store_banner = QLabel(STORE_DOWN_BANNER)
        self.store_banner.setObjectName("storeBanner")
        self.store_banner.setWordWrap(True)
        self.store_banner.hide()
        outer.addWidget(self.store_banner)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        self._centre = QStackedLayout()
        self.viewer = CaseViewer()
        self.viewer.heatmap_toggled.connect(self._heatmap_toggled)
        self.loading_label = QLabel("Preparing the images…")
        self.loading_label.setObjectName("loading")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_page, self.done_label = _done_page()
        for page in (self.viewer, self.loading_label, self.done_page):
            self._centre.addWidget(page)
        centre = QWidget()
        centre.setLayout(self._centre)
        body.addWidget(centre, 1)

        side = QFrame()
        side.setObjectName("sidePanel")
        side.setFixedWidth(380)
        panel = QVBoxLayout(side)
        panel.setContentsMargins(16, 14, 16, 14)
        panel.setSpacing(12)
        self.clinical = QLabel("")
        self.clinical.setObjectName("clinical")
        self.clinical.setWordWrap(True)
        self.clinical.setTextFormat(Qt.TextFormat.RichText)
        panel.addWidget(self.clinical)
        self.aided_panel = AidedPanel()
        self.aided_panel.hide()
        # the reader's own locked answer sits above the AI's box, not in it
        panel.addWidget(self.aided_panel.locked_banner)
        self.aided_panel.heatmap_toggled.connect(self.viewer.set_heatmap_visible)
        self.aided_panel.opacity_changed.connect(self.viewer.set_heatmap_opacity)
        panel.addWidget(self.aided_panel)
        self.decision_panel = DecisionPanel(
            asks_bi_rads=self._settings.asks_bi_rads, asks_comment=self._settings.asks_comment
        )
        self.decision_panel.submit_requested.connect(self.submit)
        panel.addWidget(self.decision_panel)
        self.feedback = QLabel("")
        self.feedback.setObjectName("practiceFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.hide()
        panel.addWidget(self.feedback)
        self.message = QLabel("")
        self.message.setObjectName("missing")
        self.message.setWordWrap(True)
        self.message.hide()
        panel.addWidget(self.message)
        panel.addStretch(1)
        body.addWidget(side)
        outer.addLayout(body, 1)

        self.pause_overlay = PauseOverlay(self)
        self.help_overlay = HelpOverlay(self)

    # ------------------------------------------------------------------------------- start

    def start(self, index: int) -> None:
        """Open (or resume) the reader's session ``index`` and present its case to read."""
        self._session_index = index
        self._state = "loading"
        self.setFocus()
        self._centre.setCurrentWidget(self.loading_label)
        self._engine.call("open", lambda: self._open(index))

    def _open(self, index: int) -> tuple[CaseToRead | None, tuple[str, ...]]:
        """(Engine thread.) Deliver what an earlier sitting left in the outbox, then open;
        returns the case and the outbox files delivery set aside (named, for the reader to
        report)."""
        problems: tuple[str, ...] = ()
        if self._submitter.outbox.waiting():
            problems = self._submitter.deliver(self._session).problems
        return self._session.open(index), problems

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        _application().installEventFilter(self)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt's name)
        _application().removeEventFilter(self)
        super().hideEvent(event)

    def answers_waiting(self) -> int:
        """Answers of this sitting kept on this computer and not yet in the study database,
        once the calls on their way have run (asked before the application closes)."""
        self._engine.finish_queued()
        return self._submitter.held()

    def warn_before_closing(self, waiting: int) -> None:
        """Say, in the banner, what closing now means for the answers still on this computer."""
        self._closing_warned = True
        self.store_banner.setText(
            f"{waiting} answer(s) are saved on this computer only, not yet in the study "
            "database. Keep the application open until the database is back, or continue "
            "this session on this computer: they are sent when you log in here again. "
            "Close the window again to quit."
        )
        self.store_banner.show()

    def shutdown(self) -> None:
        """Stop the worker threads (the window is going away)."""
        self._retry.stop()
        _application().removeEventFilter(self)
        self._engine.stop()
        self._retry.stop()  # a submission kept locally while stopping started it again
        self._prefetcher.shutdown()

    # ---------------------------------------------------------------------------- presenting

    def _present(self, case: CaseToRead | None) -> None:
        self.feedback.hide()
        self.message.hide()
        if self._notice:
            self._show_error(self._notice)
            self._notice = ""
        self._after_feedback = None
        if case is None:
            self._finish()
            return
        self._case = case
        self._kept_unaided_asked = False
        self._state = "reading"
        self._typing.reset()
        self._preset = 0  # each case opens at its default window
        self.window_preset_label.setText("")
        self.decision_panel.reset(case.unaided_answer)
        self.decision_panel.set_inputs_enabled(True)
        aided = case.stage == AIDED
        self.mode_label.setText(_mode_text(case, self._settings))
        self.practice_badge.setVisible(case.practice)
        self.progress_label.setText(f"Case {case.position} of {case.total}")
        self.progress_bar.setRange(0, case.total)
        self.progress_bar.setValue(case.position - 1)
        self.clinical.setText(_clinical_html(case.clinical, self._settings.clinical_fields))
        self.aided_panel.clear()
        self.aided_panel.setVisible(aided)
        self._exposure.clear()
        self._shown_at = self._clock.now()
        self._paused_s = 0.0
        carried, self._carried = self._carried, None
        prepared = self._prefetcher.get(case.case_id)
        if carried is not None and carried.case_id == case.case_id:
            prepared = carried
        if prepared is not None:
            self._show_images(self._fitted(prepared, case))
        else:
            self._centre.setCurrentWidget(self.loading_label)
            self.viewer.clear()
            self._request(case)
        self.case_presented.emit(case.case_id, case.stage)
        self._engine.call("upcoming", lambda: self._session.upcoming(PREFETCH_AHEAD))

    def _request(self, case: CaseToRead) -> None:
        """Have ``case``'s images prepared for the views' size on this screen now."""
        self._prefetcher.set_display_size(self._display_size())
        self._prefetcher.request(for_image_preparation(case))

    def _display_size(self) -> tuple[int, int]:
        """(rows, columns) of one image view in device pixels. Before the views were first laid
        out, estimated from the image area (two views side by side), so a case is never
        prepared for a view smaller than it will be — which would show it blurred."""
        rows, columns = self.viewer.display_size()
        area = self._centre.geometry()
        ratio = self.devicePixelRatioF()
        estimate = (round((area.height() - 40) * ratio), round(area.width() / 2 * ratio))
        if self.viewer.isVisible() and rows > 100 and columns > 100:
            return rows, columns
        return max(rows, estimate[0], 256), max(columns, estimate[1], 256)

    def _fitted(self, prepared: PreparedCase, case: CaseToRead) -> PreparedCase:
        """``prepared`` as ``case`` shows it: an aided read's images prepared without the model
        (e.g. for an earlier unaided stage) get its heat map now."""
        output = model_output(case)
        if output is not None and output.heatmap is not None and prepared.heatmap is None:
            return with_heatmap(prepared, output.heatmap)
        return prepared

    def _show_images(self, prepared: PreparedCase) -> None:
        case = self._case
        assert case is not None
        self.viewer.show_case(prepared)
        self._centre.setCurrentWidget(self.viewer)
        output = model_output(case)
        if output is not None:
            # the locked unaided answer (sequential) and the model's output appear together,
            # the lock first; the exposure starts now that the output is on screen
            self.aided_panel.show_output(output, case.unaided_answer)
            self._exposure.start(None)
            self.viewer.set_heatmap_opacity(self.aided_panel.opacity())
            self.viewer.set_heatmap_visible(True)
            self.aided_panel.set_heatmap_checked(self.viewer.heatmap_visible())

    def _case_prepared(self, case_id: str) -> None:
        if self._case is None or self._state not in ("reading", "paused"):
            return
        if case_id != self._case.case_id or self.viewer.current_case() is not None:
            return
        prepared = self._prefetcher.get(case_id)
        if prepared is not None:
            self._show_images(self._fitted(prepared, self._case))

    def _case_failed(self, case_id: str, message: str) -> None:
        if self._case is not None and case_id == self._case.case_id:
            # no answer without the images: the panel stays locked until they can be read
            self._state = "blocked"
            self.decision_panel.set_inputs_enabled(False)
            self.loading_label.setText(
                f"The images of this case cannot be shown:\n{message}\n\nPlease tell the "
                "study coordinator. Your answers so far are saved; you may close the "
                "application and continue once the images are back."
            )

    def _finish(self) -> None:
        self._case = None
        self._state = "done"
        self.viewer.clear()
        self.aided_panel.hide()
        self.decision_panel.set_inputs_enabled(False)
        self.progress_bar.setValue(self.progress_bar.maximum())
        self._show_done_text()
        self._centre.setCurrentWidget(self.done_page)

    def _show_done_text(self) -> None:
        """The session is complete — or, with answers still in the outbox, complete only on this
        computer: the reader must not leave believing the study has them (nothing else would
        send them before this reader logs in here again)."""
        held = self._submitter.held()
        if held:
            self.done_label.setText(
                f"Session {self._session_index}: every case is answered, but {held} answer(s) "
                "are saved on this computer and not yet in the study database.\nPlease keep "
                "the application open: they are sent when the database is back."
            )
        else:
            self.done_label.setText(f"Session {self._session_index} is complete. Thank you.")

    # ---------------------------------------------------------------------------- submitting

    def submit(self) -> None:
        """Enter: submit a complete answer, or say in place what is missing."""
        if self._state == "feedback":
            self._present(self._after_feedback)
            return
        if self._state == "done":
            if self._submitter.held():  # leaving would stop the delivery (_show_done_text)
                self._deliver_outbox()
                return
            self.session_left.emit()
            return
        if self._state != "reading" or self._case is None:
            return
        shown = self.viewer.current_case()
        if shown is None or shown.case_id != self._case.case_id:
            return  # "Preparing the images…": no answer to a case the reader has not seen
        answer = self.decision_panel.answer()
        if answer is None:
            return
        case = self._case
        if keeps_unaided_answer(case, answer) and not self._kept_unaided_asked:
            # One Enter on the pre-filled answer is not enough: a double tap that submitted the
            # unaided answer would otherwise submit the aided one before the model was seen.
            self._kept_unaided_asked = True
            self.decision_panel.show_note(KEEP_UNAIDED_PROMPT)
            return
        exposure = self._exposure.exposure() if case.stage == AIDED else None
        timing = measured_timing(self._shown_at, self._clock.now(), self._paused_s)
        self._shown_when_submitted = self.viewer.current_case()
        self._state = "submitting"
        self.decision_panel.set_inputs_enabled(False)
        self._resume_if_owed()
        self._engine.call(
            "submit",
            lambda: self._submitter.submit(self._session, case, answer, exposure, timing),
        )

    def _submitted(self, outcome: SubmitOutcome) -> None:
        self.answer_recorded.emit(outcome.decision_id or 0)
        if outcome.kept_locally:
            self.store_banner.show()
            self._retry.start()
        if outcome.waiting:
            self._state = "waiting"
            self.viewer.clear()
            self.aided_panel.hide()
            self.loading_label.setText(
                "Your answer is saved on this computer.\nThe next step needs the study "
                "database; it continues by itself when the database is back."
            )
            self._centre.setCurrentWidget(self.loading_label)
            return
        next_case = outcome.next_case
        if next_case is not None and self._case is not None:
            self._carry_images(next_case)
        if outcome.practice_truth is not None and self._case is not None:
            self._state = "feedback"
            self._after_feedback = next_case
            self.feedback.setText(_feedback_text(outcome))
            self.feedback.show()
            return
        self._present(next_case)

    def _carry_images(self, next_case: CaseToRead) -> None:
        """The sequential design's aided stage shows the images already on screen (its heat map
        is added when it is presented: the unaided stage never had it)."""
        shown = self._shown_when_submitted
        if shown is not None and shown.case_id == next_case.case_id:
            self._carried = shown

    # ------------------------------------------------------------------------------- engine

    def _engine_done(self, tag: str, result: object, error: object) -> None:
        handler = {
            "open": self._opened_after_delivery,
            "current": self._opened,
            "upcoming": self._upcoming,
            "submit": self._submit_done,
            "pause": self._pause_done,
            "resume": self._resume_done,
            "deliver": self._delivered,
        }[tag]
        handler(result, error)  # type: ignore[operator]

    def _opened_after_delivery(
        self, result: tuple[CaseToRead | None, tuple[str, ...]] | None, error: Exception | None
    ) -> None:
        case, problems = result if result is not None else (None, ())
        if problems:
            self._notice = "\n".join(problems)
        self._opened(case, error)

    def _opened(self, case: CaseToRead | None, error: Exception | None) -> None:
        if error is not None:
            self._state = "done"
            self._show_error(str(error))
            self.loading_label.setText("This session could not be opened.")
            return
        self._present(case)

    def _upcoming(self, cases: list[CaseToRead] | None, error: Exception | None) -> None:
        for case in cases or ():  # an error: the cases are prepared when they come
            self._request(case)

    def _submit_done(self, outcome: SubmitOutcome | None, error: Exception | None) -> None:
        if isinstance(error, RefusedSubmissionError):
            # the case was answered elsewhere meanwhile: say so, and go on where the store is
            self._notice = f"Your answer was not recorded: {error}"
            self._engine.call("current", self._session.current)
            return
        if error is not None or outcome is None:
            self._state = "reading"
            self.decision_panel.set_inputs_enabled(True)
            self._show_error(f"Your answer was not recorded: {error}")
            return
        self._submitted(outcome)

    def _pause_done(self, result: object, error: Exception | None) -> None:
        """A pause the store could not record (it is away) is kept on screen all the same."""

    def _resume_done(self, result: object, error: Exception | None) -> None:
        """A resume after an unrecorded pause is refused by the engine; nothing to do. A resume
        the store missed (it was away) would leave the stored session paused, refusing every
        answer: it is asked for again before the next submission or delivery."""
        self._resume_owed = isinstance(error, StoreUnavailable)

    def _resume_if_owed(self) -> None:
        if self._resume_owed:
            self._engine.call("resume", self._session.resume)

    def _delivered(self, delivery: OutboxDelivery | None, error: Exception | None) -> None:
        self._delivering = False
        if delivery is None:  # the timer tries again; the banner says what stops delivery
            if error is None or isinstance(error, StoreUnavailable):
                self._set_banner(STORE_DOWN_BANNER)
            elif (text := delivery_banner(error)) is not None:
                self._set_banner(text)
            return
        if delivery.problems:
            self._show_error("\n".join(delivery.problems))
        if delivery.left == 0:
            self.store_banner.hide()
            self._set_banner(STORE_DOWN_BANNER)
            self._retry.stop()
            if self._state == "waiting":
                self._engine.call("current", self._session.current)
            elif self._state == "done":
                self._show_done_text()

    def _set_banner(self, text: str) -> None:
        """What the banner says about the answers kept on this computer — unless it is warning
        the reader about closing the window, which stays until the window closes."""
        if not self._closing_warned:
            self.store_banner.setText(text)

    def _show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _deliver_outbox(self) -> None:
        if self._delivering:
            return
        self._delivering = True
        self._resume_if_owed()
        self._engine.call("deliver", lambda: self._submitter.deliver(self._session))

    # ------------------------------------------------------------------------------- pause

    def toggle_pause(self) -> None:
        """Space: pause (images hidden, the session's timer stopped) or resume.

        The engine's pause and resume are queued on the engine thread in the order asked, so a
        resume always follows its pause there, however quickly the reader presses Space twice.
        """
        if self._state == "paused":
            self.pause_overlay.hide()
            self._state = "reading"
            if self._paused_since is not None:
                self._paused_s += (self._clock.now() - self._paused_since).total_seconds()
                self._paused_since = None
            self._engine.call("resume", self._session.resume)
            return
        if self._state != "reading":
            return
        self._state = "paused"
        self._paused_since = self._clock.now()
        self.pause_overlay.show_over()
        self._engine.call("pause", self._session.pause)

    def is_paused(self) -> bool:
        """Whether the pause overlay is up."""
        return self._state == "paused"

    # ------------------------------------------------------------------------------ keyboard

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.KeyPress or not self.isVisible():
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self.window():
            return False
        return self.handle_key(event)  # type: ignore[arg-type]

    def handle_key(self, event: QKeyEvent) -> bool:
        """Act on a key; True when it was used."""
        key = event.key()
        action = KEY_ACTIONS.get(key)
        if self.decision_panel.comment.hasFocus():
            if action is Action.CLOSE:
                self.decision_panel.comment.clearFocus()
                return True
            return action is Action.HELP and self._toggle_help()
        if self.help_overlay.isVisible():
            if action in (Action.HELP, Action.CLOSE):
                self.help_overlay.hide()
            return True
        if action is Action.HELP:
            return self._toggle_help()
        if action is Action.PAUSE:
            self.toggle_pause()
            return True
        if self._state == "paused":
            return True
        if action is Action.SUBMIT:
            # a held Enter repeats: the repeat would submit the next case's panel (the aided
            # stage starts filled with the unaided answer) or skip a practice case's truth
            if not event.isAutoRepeat():
                self.submit()
            return True
        if self._state != "reading":
            return action is not None or digit_of(key) is not None
        digit = digit_of(key)
        if digit is not None:
            self.decision_panel.set_pom(self._typing.type(digit, time.monotonic()))
            return True
        if action is None:
            return False
        self._act(action)
        return True

    def _toggle_help(self) -> bool:
        if self.help_overlay.isVisible():
            self.help_overlay.hide()
        else:
            self.help_overlay.show_over()
        return True

    def _act(self, action: Action) -> None:
        panel, viewer = self.decision_panel, self.viewer
        aided = self._case is not None and self._case.stage == AIDED
        if action is Action.BENIGN:
            panel.set_decision(LABELS.index("benign"))
        elif action is Action.MALIGNANT:
            panel.set_decision(LABELS.index("malignant"))
        elif action in (Action.POM_UP, Action.POM_DOWN, Action.POM_UP_10, Action.POM_DOWN_10):
            self._typing.reset()
            panel.step_pom(_POM_STEPS[action])
        elif action is Action.BI_RADS_UP:
            panel.step_bi_rads(1)
        elif action is Action.BI_RADS_DOWN:
            panel.step_bi_rads(-1)
        elif action is Action.COMMENT:
            panel.focus_comment()
        elif action is Action.HEATMAP and aided:
            viewer.toggle_heatmap()
        elif action is Action.OPACITY_UP and aided:
            self.aided_panel.step_opacity(0.1)
        elif action is Action.OPACITY_DOWN and aided:
            self.aided_panel.step_opacity(-0.1)
        elif action is Action.INVERT:
            viewer.toggle_invert()
        elif action is Action.RESET:
            viewer.reset_view()
        elif action is Action.ZOOM_LESION:
            viewer.zoom_to_lesion()
        elif action is Action.OUTLINE:
            viewer.toggle_outline()
        elif action is Action.MAGNIFIER:
            viewer.toggle_magnifier()
        elif action is Action.WINDOW_PRESET:
            names = PRESET_NAMES
            self._preset = (self._preset + 1) % len(names)
            viewer.apply_window_preset(names[self._preset])
            self.window_preset_label.setText(f"Window: {names[self._preset]}")

    def _heatmap_toggled(self, on: bool) -> None:
        self._exposure.heatmap_switched(on)
        self.aided_panel.set_heatmap_checked(on)

    # ------------------------------------------------------------------------- for tests

    def current_case(self) -> CaseToRead | None:
        """The case being read (``None`` between sessions)."""
        return self._case

    def state(self) -> str:
        """``loading``, ``reading``, ``submitting``, ``feedback``, ``paused``, ``waiting`` (for
        the store), ``blocked`` (images unreadable) or ``done``."""
        return self._state

    def images_ready(self, case_id: str) -> bool:
        """Whether ``case_id``'s images are prepared (the next case's, while reading)."""
        return self._prefetcher.get(case_id) is not None

    def engine_busy(self) -> bool:
        """Calls to the store are queued or running."""
        return self._engine.busy()


_POM_STEPS = {Action.POM_UP: 1, Action.POM_DOWN: -1, Action.POM_UP_10: 10, Action.POM_DOWN_10: -10}


def _application() -> QCoreApplication:
    app = QApplication.instance()
    assert app is not None  # a window exists only in a running application
    return app


def _mode_text(case: CaseToRead, settings: ReadingSettings) -> str:
    session = f"Session {case.session_index}"
    if settings.sequential:
        if case.stage == AIDED:
            return f"{session} · step 2 of 2: AIDED — your unaided answer is locked"
        return f"{session} · step 1 of 2: UNAIDED"
    if case.stage == AIDED:
        return f"{session} · AIDED reading — the AI model's output is shown"
    return f"{session} · UNAIDED reading"


def _clinical_html(clinical: dict[str, object], fields: tuple[str, ...]) -> str:
    if not fields:
        return ""
    rows = []
    for field in fields:
        value = clinical.get(field)
        shown = "—" if value is None or value == "" else _escape(_clinical_value(value))
        name = field.replace("_", " ").capitalize()
        rows.append(f"<tr><td class='k'>{name}&nbsp;&nbsp;</td><td>{shown}</td></tr>")
    return "<b>Clinical information</b><table>" + "".join(rows) + "</table>"


def _clinical_value(value: object) -> str:
    """A whole number stored as a float (an age read from a spreadsheet) without its ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _feedback_text(outcome: SubmitOutcome) -> str:
    truth = LABELS[outcome.practice_truth] if outcome.practice_truth is not None else "unknown"
    given = decision_text(outcome.answer)
    return (
        f"Practice case: the pathology is <b>{truth.upper()}</b>.<br>"
        f"Your answer: {given}.<br><br>Press Enter for the next case."
    )


def _done_page() -> tuple[QWidget, QLabel]:
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
    title = QLabel("")
    title.setObjectName("doneTitle")
    title.setAlignment(Qt.AlignmentFlag.AlignCenter)
    hint = QLabel("Press Enter to return to your sessions.")
    hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(title)
    layout.addWidget(hint)
    return page, title


#: What Enter on the sequential design's untouched aided answer asks for.
KEEP_UNAIDED_PROMPT = (
    "Same as your unaided answer. Press Enter again to keep it after seeing the model's output, "
    "or change it."
)


def keeps_unaided_answer(case: CaseToRead, answer: Answer) -> bool:
    """Whether ``answer`` is the sequential design's aided answer left exactly as pre-filled
    from the reader's own unaided answer."""
    return case.stage == AIDED and case.unaided_answer is not None and answer == case.unaided_answer
