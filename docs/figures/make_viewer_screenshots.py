"""Screenshots of the case viewer for docs/reader_app.md (docs/screenshots/viewer_*.png).

Run under a virtual display from the repository root, on a full-size synthetic cohort:

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python \
        docs/figures/make_viewer_screenshots.py COHORT_DIR [OUT_DIR]

COHORT_DIR is a ``cesm-reader synth`` output (``--size full``). The heat map is SIMULATED (a
smooth blob on the lesion plus a weaker one elsewhere, as Grad-CAM maps look), and the legend
says so. Images are the synthetic cohort's, which every file and screenshot says.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from model_core.io import read_mask
from reader_app.viewer.case_viewer import CaseViewer
from reader_app.viewer.prepared_case import prepare_case
from studies.engine.reader_api import CaseToRead, ModelOutput


def simulated_heatmap(mask: np.ndarray, shape: tuple[int, int] = (512, 427)) -> np.ndarray:
    """A Grad-CAM-like map at reduced resolution: a blob on the lesion, a weaker one above."""
    rows, columns = np.nonzero(mask)
    centre = (rows.mean() / mask.shape[0], columns.mean() / mask.shape[1])
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    y = y / shape[0]
    x = x / shape[1]
    blob = np.exp(-(((y - centre[0]) / 0.07) ** 2 + ((x - centre[1]) / 0.09) ** 2))
    second = 0.45 * np.exp(-(((y - centre[0] + 0.2) / 0.06) ** 2 + ((x - centre[1]) / 0.06) ** 2))
    return np.clip(blob + second, 0, 1).astype(np.float32)


def case_to_read(root: Path, row: dict[str, str], heatmap: np.ndarray | None) -> CaseToRead:
    model = ModelOutput(0.72, heatmap, {}) if heatmap is not None else None
    return CaseToRead(
        session_index=1,
        position=0,
        total=1,
        case_id=row["case_id"],
        stage="aided" if model else "unaided",
        practice=False,
        low_energy=root / row["low_energy"],
        recombined=root / row["recombined"],
        mask=root / row["mask"],
        laterality=row["laterality"],
        view=row["view"],
        clinical={},
        model=model,
    )


def main() -> None:
    root = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    rows = {row["case_id"]: row for row in csv.DictReader((root / "manifest.csv").open())}
    app = QApplication.instance() or QApplication([])
    frame = QWidget()
    frame.setStyleSheet("background: black;")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(0, 0, 0, 0)
    note = QLabel()
    note.setStyleSheet("color: rgb(230, 180, 60); padding: 4px; font-size: 13px;")
    layout.addWidget(note)
    viewer = CaseViewer()
    layout.addWidget(viewer)
    frame.resize(1600, 900)
    frame.show()
    app.processEvents()

    def shoot(name: str, case_id: str, *, heatmap: bool = False, action: str = "") -> None:
        row = rows[case_id]
        note.setText(
            f"SYNTHETIC case {case_id} (cesm-reader synth, full size 2294 × 1914) — "
            f"viewer screenshot: {name.replace('_', ' ')}"
        )
        mask = read_mask(root / row["mask"])
        case = case_to_read(root, row, simulated_heatmap(mask) if heatmap else None)
        viewer.show_case(prepare_case(case, display_size=viewer.display_size()))
        if heatmap:
            viewer.set_heatmap_note("SIMULATED heat map · synthetic case")
            viewer.set_heatmap_visible(True)
        if action == "lesion":
            viewer.zoom_to_lesion()
        deadline = time.monotonic() + 1.0  # the finer pyramid level follows a zoom shortly
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        path = out / f"viewer_{name}.png"
        frame.grab().save(str(path))
        # lossless, but smaller: the synthetic noise makes Qt's PNG about 15 % larger
        Image.open(path).convert("RGB").save(path, optimize=True)
        print(out / f"viewer_{name}.png", row["laterality"], row["view"])

    right = next(c for c, r in rows.items() if r["laterality"] == "R")
    left = next(c for c, r in rows.items() if r["laterality"] == "L")
    shoot("right_cc", right)
    shoot("left_cc", left)
    shoot("heatmap", right, heatmap=True)
    shoot("zoom_to_lesion", left, action="lesion")


if __name__ == "__main__":
    main()
