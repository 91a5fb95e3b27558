"""The coordinator dashboard: one window, a page per task, over the Study engine's API.

``DashboardWindow(store_url, store, access)`` opens a study only with the
:class:`~studies.engine.coordinator_api.CoordinatorAccess` that
:func:`~studies.engine.coordinator_api.check_coordinator` returns for that study: a reader's
login (a ``ReaderSession``) never reaches any page. Without a store (``store=None``: no study at
that URL yet) only *Create study* is offered; the study it creates opens here.

The dashboard adds no logic of its own: every page calls the engine function the matching
``cesm-reader study`` or ``analyze --study`` command calls, in a worker thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reader_app.dashboard.analysis_page import AnalysisPage
from reader_app.dashboard.corrections_page import CorrectionsPage
from reader_app.dashboard.create_page import CreateStudyPage
from reader_app.dashboard.export_page import ExportPage
from reader_app.dashboard.integrity_page import IntegrityPage
from reader_app.dashboard.page import Page
from reader_app.dashboard.progress_page import ProgressPage
from reader_app.dashboard.readers_page import ReadersPage
from reader_app.dashboard.widgets import Notice
from studies.engine.coordinator_api import CoordinatorAccess, StudyStatus
from studies.engine.study_creation import CreatedStudy, store_folder
from studies.store.database import Store

#: The pages in the navigation list, in order.
PAGE_NAMES = (
    "Create study",
    "Readers",
    "Progress",
    "Integrity",
    "Analysis",
    "Export",
    "Corrections",
)


class DashboardWindow(QMainWindow):
    """The coordinator's window.

    Args:
        store_url: the store's URL (shown; the default place of a new study's store).
        store: the open store, or ``None`` when no study exists there yet.
        access: the proof :func:`check_coordinator` returned for this store's study; required
            whenever ``store`` is given.
        stylesheet: an optional Qt style sheet (the application's theme).

    Raises:
        PermissionError: a store without the coordinator's access to its study.
    """

    def __init__(
        self,
        store_url: str,
        store: Store | None,
        access: CoordinatorAccess | None = None,
        *,
        stylesheet: str | None = None,
    ) -> None:
        super().__init__()
        if store is not None:
            _require_access(store, access)
        self.store_url = store_url
        self.store: Store | None = None
        self.access = access
        self.setWindowTitle("CESM Reader Study — coordinator")
        if stylesheet:
            self.setStyleSheet(stylesheet)

        self.create_page = CreateStudyPage()
        self.readers_page = ReadersPage()
        self.progress_page = ProgressPage()
        self.integrity_page = IntegrityPage()
        self.analysis_page = AnalysisPage()
        self.export_page = ExportPage()
        self.corrections_page = CorrectionsPage()
        self.pages: dict[str, Page] = dict(
            zip(
                PAGE_NAMES,
                (
                    self.create_page,
                    self.readers_page,
                    self.progress_page,
                    self.integrity_page,
                    self.analysis_page,
                    self.export_page,
                    self.corrections_page,
                ),
                strict=True,
            )
        )

        self.navigation = QListWidget()
        self.navigation.setFixedWidth(190)
        self.stack = QStackedWidget()
        for name, page in self.pages.items():
            QListWidgetItem(name, self.navigation)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(page)
            self.stack.addWidget(scroll)
        self.navigation.currentRowChanged.connect(self._page_chosen)

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.simulated = Notice()
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.addWidget(self.heading)
        outer.addWidget(self.simulated)
        body = QHBoxLayout()
        body.addWidget(self.navigation)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)
        self.resize(1280, 860)

        self.create_page.created.connect(self._study_created)
        self.create_page.continue_requested.connect(lambda: self.show_page("Readers"))
        self.progress_page.refreshed.connect(self._show_status)
        self._open(store)

    # ------------------------------------------------------------------------ the study

    def _set_enabled(self, name: str, enabled: bool) -> None:
        item = self.navigation.item(PAGE_NAMES.index(name))
        flags = item.flags()
        item.setFlags(
            flags | Qt.ItemFlag.ItemIsEnabled if enabled else flags & ~Qt.ItemFlag.ItemIsEnabled
        )

    def _open(self, store: Store | None, *, page: str | None = "Progress") -> None:
        self.store = store
        for each in self.pages.values():
            each.set_store(store)
        for name in PAGE_NAMES:
            self._set_enabled(
                name, name == "Create study" if store is None else name != "Create study"
            )
        if store is None:
            self.create_page.set_defaults(self.store_url)
            self.heading.setText(
                f"<h1>No study yet</h1>No study store at {self.store_url}: create one."
            )
            self.statusBar().showMessage(f"No study at {self.store_url}")
            self.show_page("Create study")
        else:
            self.heading.setText(f"<h1>Opening the study…</h1>{store.display_url}")
            self.statusBar().showMessage(f"Study store: {store.display_url}")
            folder = store_folder(self.store_url)
            if folder is not None:
                self.analysis_page.set_default_folder(folder / "analysis")
                self.export_page.folder.set_path(folder / "export")
            if page is not None:
                self.show_page(page)

    def _study_created(self, created: CreatedStudy) -> None:
        """A study the wizard created opens here; the coordinator's password was just set."""
        _require_access(created.store, created.access)
        self.store_url = created.store.display_url
        self.access = created.access
        self._open(created.store, page=None)
        self._set_enabled("Create study", True)  # until the PINs were seen (_leave_wizard)

    def _leave_wizard(self) -> None:
        """After a study was created: its PINs are hidden for good, the wizard closed."""
        self.create_page.forget_pins()
        self._set_enabled("Create study", False)

    def _show_status(self, status: StudyStatus) -> None:
        tag = " — <span style='color:#b3261e'>SIMULATED readers</span>" if status.simulated else ""
        self.heading.setText(
            f"<h1>{status.title}</h1>study <b>{status.study_id}</b>, {status.design} design, "
            f"washout {status.washout_days} days{tag}"
        )
        if status.simulated:
            self.simulated.show_message(
                "SIMULATED: the answers in this study come from simulated readers, not "
                "radiologists; every export and report says so.",
                "simulated",
            )
        else:
            self.simulated.clear_message()

    # --------------------------------------------------------------------------- pages

    def show_page(self, name: str) -> Page:
        """Open the page called ``name`` (one of :data:`PAGE_NAMES`)."""
        row = PAGE_NAMES.index(name)
        self.navigation.setCurrentRow(row)
        return self.pages[name]

    def current_page(self) -> Page:
        """The page on show."""
        return self.pages[PAGE_NAMES[self.stack.currentIndex()]]

    def _page_chosen(self, row: int) -> None:
        if row < 0:
            return
        if PAGE_NAMES[row] != "Create study" and self.create_page.result is not None:
            self._leave_wizard()
        self.stack.setCurrentIndex(row)
        self.pages[PAGE_NAMES[row]].page_shown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Stop the pages' workers before the window goes."""
        for page in self.pages.values():
            page.shutdown()
        super().closeEvent(event)


def _require_access(store: Store, access: object) -> None:
    """Refuse a store without the coordinator's proof for its study."""
    if not isinstance(access, CoordinatorAccess) or not access.grants(store):
        raise PermissionError(
            "the coordinator dashboard opens only after the coordinator's password was "
            "checked (coordinator_api.check_coordinator)"
        )
