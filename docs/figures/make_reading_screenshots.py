"""Screenshots of the reading workstation for docs/reading.md (docs/screenshots/reading_*.png).

Run under a virtual display from the repository root, after ``cesm-reader study init --demo``
made the demo cohort:

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python \
        docs/figures/make_reading_screenshots.py demo_study/cohort [OUT_DIR]

The demo's own store is not touched: screenshot studies are made in a temporary folder on the
demo cohort. When the demo's model outputs are there (``demo_study/model/``: the embedded demo
classifier's probabilities and Grad-CAM heat maps, made by ``study init --demo``), they are
shown, with the demo model's thresholds; otherwise the demo's simulated probabilities and
SIMULATED heat maps (a blob on the lesion, :func:`make_viewer_screenshots.simulated_heatmap`).
The study title says which. The application is driven with keys, as a reader drives it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_viewer_screenshots import simulated_heatmap

from model_core.classifier.bundle import load_bundle
from model_core.io import read_mask
from model_core.manifest import load_manifest
from reader_app.app import application, build_main_window
from reader_app.main_window import MainWindow
from studies.engine.clock import SimulatedClock
from studies.engine.definition import parse_study_definition
from studies.engine.demo_study import DEMO_MODEL
from studies.engine.reader_api import Answer, ReaderSession
from studies.engine.study_init import create_study, plan_study

PINS = {"R1": "1111", "R2": "2222"}
STUDY = """
id = "screens"
title = "{title}"
manifest = "cohort/manifest.csv"
design = "{design}"
washout_days = {washout}
seed = 20260101
practice_cases = []
clinical_fields = ["age", "clinical_history", "family_history"]
allow_revisit = false

[answers]
bi_rads = true
comment = true

[[readers]]
id = "R1"
name = "Demo reader 1"
years_experience = 5

[[readers]]
id = "R2"
name = "Demo reader 2"
years_experience = 12

[model]
scores = "{scores}"
heatmaps = "{heatmaps}"
thresholds_shown = ["youden", "high_sensitivity"]

[model.thresholds]
youden = {youden}
high_sensitivity = {high_sensitivity}
"""
SIMULATED_TITLE = "Screenshot study (synthetic CESM cohort, SIMULATED model outputs and heat maps)"
DEMO_MODEL_TITLE = (
    "Screenshot study (synthetic CESM cohort; outputs of the demo classifier, trained on "
    "synthetic data)"
)


def _until(condition: Callable[[], bool]) -> None:
    app = QApplication.instance()
    while not condition():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)


def _keys(*keys: Qt.Key | str) -> None:
    for key in keys:
        target = QApplication.focusWidget() or QApplication.activeWindow()
        if isinstance(key, str):
            QTest.keyClicks(target, key)
        else:
            QTest.keyClick(target, key)


def _settle(milliseconds: int = 400) -> None:
    QTest.qWait(milliseconds)  # a screenshot script may wait: let the views finish drawing


def _save(widget: QWidget, path: Path) -> None:
    _settle()
    widget.grab().save(str(path), "PNG", 9)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def _study(
    folder: Path, cohort: Path, washout: int, clock: SimulatedClock, design: str = "crossover"
) -> str:
    folder.mkdir(parents=True)
    (folder / "cohort").symlink_to(cohort.resolve())
    model_outputs = cohort.parent / "model"
    if (model_outputs / "scores.csv").is_file() and (model_outputs / "heatmaps.npz").is_file():
        (folder / "model").symlink_to(model_outputs.resolve())
        thresholds = load_bundle(DEMO_MODEL).thresholds
        title, scores, heatmaps = DEMO_MODEL_TITLE, "model/scores.csv", "model/heatmaps.npz"
        youden = round(thresholds["youden"], 3)
        high_sensitivity = round(thresholds["high_sensitivity"], 3)
    else:
        (folder / "heatmaps").mkdir()
        manifest = load_manifest(cohort / "manifest.csv")
        for row in manifest.rows:
            mask = read_mask(cohort / row.mask, None) if row.mask else None
            if mask is not None:
                np.save(
                    folder / "heatmaps" / f"{row.case_id}.npy",
                    simulated_heatmap(np.asarray(mask)),
                )
        title, scores, heatmaps = SIMULATED_TITLE, "cohort/model_scores.csv", "heatmaps"
        youden, high_sensitivity = 0.5, 0.25
    text = STUDY.format(
        washout=washout,
        design=design,
        title=title,
        scores=scores,
        heatmaps=heatmaps,
        youden=youden,
        high_sensitivity=high_sensitivity,
    )
    loaded = parse_study_definition(text, source="screenshot study.toml", base_dir=folder)
    url = f"sqlite:///{folder / 'study.db'}"
    create_study(plan_study(loaded, pins=dict(PINS)), url, clock=clock).close()
    return url


def _complete_first_session(url: str, reader_id: str, clock: SimulatedClock) -> None:
    from studies.store.database import open_store

    with open_store(url) as store:
        reader = ReaderSession.login(store, reader_id, PINS[reader_id], clock=clock)
        case = reader.open(1)
        while case is not None:
            clock.advance(timedelta(seconds=40))
            case = reader.submit(Answer(case.position % 2, 30, "4A")).next_case


def _window(url: str, clock: SimulatedClock) -> MainWindow:
    from studies.store.database import open_store

    window = build_main_window(open_store(url), url, clock=clock)
    window.resize(1920, 1080)
    window.showMaximized()
    window.activateWindow()
    _until(lambda: QApplication.activeWindow() is window)
    window.login.reader_field.setFocus()
    return window


def _log_in(window: MainWindow, reader: str) -> None:
    _keys(reader, Qt.Key.Key_Return, PINS[reader], Qt.Key.Key_Return)
    _until(lambda: window.sessions.isVisible() and window.sessions.list.hasFocus())


def _reading(window: MainWindow) -> None:
    _until(
        lambda: (
            window.reading is not None
            and window.reading.state() == "reading"
            and window.reading.viewer.current_case() is not None
        )
    )


def main(cohort: Path, out: Path) -> None:
    application()
    out.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        os.environ["XDG_DATA_HOME"] = str(folder / "data")  # the readers' outboxes
        clock = SimulatedClock(start)
        url = _study(folder / "no_washout", cohort, 0, clock)
        _complete_first_session(url, "R1", clock)

        window = _window(url, clock)
        _keys("R2")
        _save(window, out / "reading_login.png")
        _keys(Qt.Key.Key_Return, "9")  # a wrong PIN, as a reader might type it
        _keys(Qt.Key.Key_Return)
        _save(window, out / "reading_login_wrong_pin.png")
        _keys(PINS["R2"], Qt.Key.Key_Return)
        _until(lambda: window.sessions.isVisible() and window.sessions.list.hasFocus())
        _keys(Qt.Key.Key_Return)
        _reading(window)
        _keys("m", "7", "2")
        _save(window, out / "reading_unaided.png")
        assert window.reading is not None
        shown = window.reading.viewer.current_case()
        assert shown is not None
        print(
            f"view {window.reading.viewer.display_size()} pixels, image drawn from "
            f"{shown.low_energy.display_pixels.shape} of {shown.source_shape}"
        )
        _keys(Qt.Key.Key_F1)
        _save(window, out / "reading_help.png")
        _keys(Qt.Key.Key_F1, Qt.Key.Key_Return)  # incomplete: BI-RADS missing
        _save(window, out / "reading_incomplete.png")
        window.close()

        window = _window(url, clock)
        _log_in(window, "R1")
        _keys(Qt.Key.Key_Down, Qt.Key.Key_Return)
        _reading(window)
        _keys("b", "2", "0", "]")
        _save(window, out / "reading_aided_empty_heatmap.png")
        for _ in range(10):  # on to a case whose Grad-CAM map shows something
            case = window.reading.current_case() if window.reading else None
            if case and case.model and case.model.heatmap is not None and case.model.heatmap.max():
                break
            _keys("m", "5", "0", "]", "]", Qt.Key.Key_Return)
            _reading(window)
        _keys("m", "8", "5", "]", "]", "]")
        _save(window, out / "reading_aided_heatmap.png")
        window.close()

        clock = SimulatedClock(start)
        url = _study(folder / "washout", cohort, 56, clock)
        _complete_first_session(url, "R1", clock)
        clock.advance(timedelta(days=3))
        window = _window(url, clock)
        _log_in(window, "R1")
        _save(window, out / "reading_washout.png")
        window.close()

        clock = SimulatedClock(start)
        url = _study(folder / "sequential", cohort, 0, clock, design="sequential")
        window = _window(url, clock)
        _log_in(window, "R2")
        _keys(Qt.Key.Key_Return)
        _reading(window)
        _keys("b", "3", "5", "]", "]", Qt.Key.Key_Return)  # unaided: benign, 35 %, 4A
        _until(
            lambda: (
                window.reading is not None
                and window.reading.current_case() is not None
                and window.reading.current_case().stage == "aided"
            )
        )
        _reading(window)
        _save(window, out / "reading_sequential_locked.png")
        window.close()

        # the same reader in a second window of the application: sent back to the first
        clock = SimulatedClock(start)
        url = _study(folder / "two_windows", cohort, 0, clock)
        first = _window(url, clock)
        _log_in(first, "R2")
        second = _window(url, clock)
        _keys("R2", Qt.Key.Key_Return, PINS["R2"], Qt.Key.Key_Return)
        _until(lambda: bool(second.login.message.text()))
        _save(second, out / "reading_login_other_window.png")
        second.close()
        first.close()

        # the database is back but refuses the answer kept on this computer (a trigger
        # stands for a revoked permission): the banner says so, not "cannot be reached"
        clock = SimulatedClock(start)
        url = _study(folder / "refused", cohort, 0, clock)
        database = folder / "refused" / "study.db"
        with closing(sqlite3.connect(database)) as connection, connection:
            connection.execute(
                "CREATE TRIGGER frozen BEFORE INSERT ON decisions BEGIN "
                "SELECT RAISE(ABORT, 'decisions are frozen by the database administrator'); END"
            )
        window = _window(url, clock)
        _log_in(window, "R2")
        _keys(Qt.Key.Key_Return)
        _reading(window)
        away = database.with_suffix(".away")
        database.rename(away)  # the store's file gone: the answer goes to the outbox
        _keys("b", "3", "0", "]", Qt.Key.Key_Return)
        _until(lambda: window.reading is not None and window.reading.store_banner.isVisible())
        away.rename(database)
        _until(lambda: "refused" in window.reading.store_banner.text())  # the 5 s retry
        _reading(window)
        _save(window, out / "reading_delivery_refused.png")
        window.shut_down()  # the answer stays in the outbox; closing would warn first
        window.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots"))
