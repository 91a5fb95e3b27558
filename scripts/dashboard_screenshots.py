"""Screenshots of every page of the coordinator dashboard, on the demo study.

Run under a display::

    xvfb-run -a -s "-screen 0 1920x1080x24" python scripts/dashboard_screenshots.py OUT_DIR

The study is created through the wizard (30 small synthetic cases), readers are
simulated with ``cesm-reader study simulate`` (R1 completely, R2 half-way for the progress page,
then completely), and each page is grabbed with ``QWidget.grab()`` into ``OUT_DIR/dashboard_*.png``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

from reader_app.dashboard.window import DashboardWindow
from studies.engine.simulate import simulate_readers

PASSWORD = "coordinator-pass"


def _wait(app: QApplication, page: object) -> None:
    while page.busy():  # type: ignore[attr-defined]
        app.processEvents()


def _grab(window: DashboardWindow, out: Path, name: str) -> None:
    QApplication.processEvents()
    path = out / f"dashboard_{name}.png"
    window.grab().save(str(path))
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def _broken_manifest(cohort: Path) -> Path:
    """A copy of the demo manifest with a missing image, a bad label and a duplicated case."""
    lines = (cohort / "manifest.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("low_energy.dcm", "low_energy_MISSING.dcm")
    lines[2] = lines[2].replace(",malignant,", ",maybe,")
    lines[4] = lines[4].replace(",62,", ",sixty,")
    lines.append(lines[3])
    broken = cohort / "manifest_with_errors.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return broken


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots").absolute()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dashboard-shots-"))
    url = f"sqlite:///{work / 'demo' / 'study.db'}"
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = DashboardWindow(url, None)
    window.resize(1500, 950)
    window.show()
    wizard = window.create_page
    wizard.folder.set_path(work / "demo")
    wizard.use_demo.setChecked(True)
    wizard.demo_size.setCurrentText("small")
    wizard.check_cases()
    _wait(app, wizard)
    _grab(window, out, "create_1_cases")
    broken = _broken_manifest(work / "demo" / "cohort")
    wizard.use_manifest.setChecked(True)
    wizard.manifest.set_path(broken)
    wizard.check_cases()
    _wait(app, wizard)
    _grab(window, out, "create_1_errors")
    wizard.use_demo.setChecked(True)
    wizard.check_cases()
    _wait(app, wizard)
    wizard.go(1)
    _grab(window, out, "create_2_study")
    wizard.go(3)
    _grab(window, out, "create_4_model")
    wizard.go(4)
    wizard.password.setText(PASSWORD)
    wizard.password_again.setText(PASSWORD)
    wizard.create_study()
    _wait(app, wizard)
    _grab(window, out, "create_5_created")
    wizard.continue_button.click()

    store = window.store
    assert store is not None
    simulate_readers(store, readers=["R1"], seed=1)
    simulate_readers(store, readers=["R2"], seed=1, stop_after=17)
    progress = window.show_page("Progress")
    progress.refresh()
    while progress.poll is not None and progress.poll.running():
        app.processEvents()
    app.processEvents()
    _grab(window, out, "progress")

    readers = window.show_page("Readers")
    _wait(app, readers)
    readers.new_id.setText("R3")
    readers.new_name.setText("Dr C. Added-later")
    readers.new_years.setValue(7)
    readers.enrol()
    _wait(app, readers)
    _wait(app, readers)
    _grab(window, out, "readers")

    subprocess.run(
        [sys.executable, "-m", "cesm_cli.main", "study", "simulate", "--db", url, "--seed", "1"],
        check=True,
    )
    integrity = window.show_page("Integrity")
    integrity.verify()
    _wait(app, integrity)
    _grab(window, out, "integrity")
    image = sorted((work / "demo" / "cohort").rglob("*.dcm"))[0]
    original = image.read_bytes()
    image.write_bytes(original + b"tampered")  # an image changed after the study was created
    integrity.verify()
    _wait(app, integrity)
    _grab(window, out, "integrity_findings")
    image.write_bytes(original)

    analysis = window.show_page("Analysis")
    analysis.run_analysis()
    _wait(app, analysis)
    _grab(window, out, "analysis")

    export = window.show_page("Export")
    export.export()
    _wait(app, export)
    _grab(window, out, "export")

    corrections = window.show_page("Corrections")
    _wait(app, corrections)
    _wait(app, corrections)
    corrections.table.selectRow(0)
    corrections.decision.setCurrentIndex(1 - corrections.decision.currentIndex())
    corrections.pom.setValue(100 - corrections.pom.value())
    corrections.reason.setText("reader reported a mis-click on this case (e-mail of 3 Dec)")
    corrections.correct()
    _wait(app, corrections)
    _wait(app, corrections)
    corrections.table.selectRow(1)
    _grab(window, out, "corrections")
    window.close()
    print(f"study in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
