"""How long ``import cdd-cesm`` takes per case, and what the PNG compression level costs.

Writes its own copy of the dataset's layout to a temporary folder (tests/cdd_cesm_files.py):
N breast views of 2294 × 1914 8-bit JPEG pairs (a mammogram-like picture: a breast on a black
background, smooth texture and noise), the annotation sheet and one polygon per view, then runs
the import and prints seconds per case, with each step measured on its own: JPEG decoding, PNG
writing at the level the importer uses (zlib 1) beside Pillow's default (zlib 6, the naive
way), and the mask. Sizes are printed too: the output holds two PNGs per case.

    .venv/bin/python benchmarks/bench_import_cdd_cesm.py [--cases 10]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from model_core.importers.cdd_cesm import ImportSettings, import_cdd_cesm
from model_core.importers.cdd_cesm.jpeg_images import read_jpeg
from model_core.importers.cdd_cesm.rasterise import rasterise
from model_core.importers.cdd_cesm.segmentations import Polygon

# The test data builders are shared with the tests (tests/cesm_files.py explains); a script's
# sys.path starts at benchmarks/, so the tests folder is added (last: it shadows nothing).
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))
from cdd_cesm_files import sheet_row, via_row, write_dataset

ROWS, COLUMNS = 2294, 1914
OUTLINE = {
    "name": "polygon",
    "all_points_x": [900, 1100, 1150, 1000, 880],
    "all_points_y": [1000, 980, 1150, 1250, 1180],
}


def mammogram_like(seed: int) -> np.ndarray:
    """A breast (half ellipse at the left edge) with smooth texture and noise, black outside."""
    generator = np.random.default_rng(seed)
    rows, columns = np.mgrid[:ROWS, :COLUMNS]
    inside = ((rows - ROWS / 2) / (ROWS * 0.45)) ** 2 + (columns / (COLUMNS * 0.8)) ** 2 <= 1
    coarse = generator.normal(0, 1, (ROWS // 64 + 1, COLUMNS // 64 + 1))
    texture = np.kron(coarse, np.ones((64, 64)))[:ROWS, :COLUMNS]
    picture = 120 + 25 * texture + generator.normal(0, 6, (ROWS, COLUMNS))
    return np.where(inside, np.clip(picture, 1, 255), 0).astype(np.uint8)


def _seconds(step, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _png_bytes(pixels: np.ndarray, level: int) -> int:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=level)
    return buffer.tell()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        images: dict[str, np.ndarray | bytes] = {}
        rows, via = [], []
        for case in range(1, args.cases + 1):
            for energy in ("DM", "CM"):
                name = f"P{case}_L_{energy}_CC"
                images[f"{name}.jpg"] = mammogram_like(case * 2 + (energy == "CM"))
                rows.append(sheet_row(name, "Malignant" if case % 2 else "Benign"))
            via.append(via_row(f"P{case}_L_CM_CC.jpg", 0, OUTLINE))
        tree = write_dataset(base / "CDD-CESM", images, rows, via)
        jpeg_mb = sum(p.stat().st_size for p in tree.low.iterdir()) / args.cases / 1e6
        started = time.perf_counter()
        result = import_cdd_cesm(tree.root, base / "out", ImportSettings(pixel_spacing_mm=0.1))
        total = time.perf_counter() - started
        png_mb = sum(p.stat().st_size for p in (base / "out" / "images").iterdir()) / 1e6
        jpeg = next(tree.low.iterdir())
        pixels = read_jpeg(jpeg)
        decode = _seconds(lambda: read_jpeg(jpeg))
        fast = _seconds(lambda: _png_bytes(pixels, 1))
        default = _seconds(lambda: _png_bytes(pixels, 6))
        shape = Polygon(tuple(OUTLINE["all_points_x"]), tuple(OUTLINE["all_points_y"]))
        mask = _seconds(lambda: rasterise(shape, ROWS, COLUMNS))
    print(f"import cdd-cesm: {result.summary.cases} cases of two {ROWS} × {COLUMNS} JPEGs")
    print(f"  whole import            {total / args.cases:7.3f} s per case ({total:.1f} s)")
    print(f"  JPEG decode             {decode:7.3f} s per image ({jpeg_mb / 2:.2f} MB JPEG)")
    print(
        f"  PNG write, zlib 1 (used) {fast:6.3f} s per image ({_png_bytes(pixels, 1) / 1e6:.2f} MB)"
    )
    print(
        f"  PNG write, zlib 6 (Pillow default) {default:6.3f} s per image "
        f"({_png_bytes(pixels, 6) / 1e6:.2f} MB)"
    )
    print(f"  polygon rasterised      {mask:7.3f} s per region")
    print(f"  output images           {png_mb / args.cases:7.2f} MB per case")


if __name__ == "__main__":
    main()
