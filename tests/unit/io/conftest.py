"""Fixtures for the image and mask reader tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cesm_files
import numpy as np
import pytest


@pytest.fixture
def write_dicom(tmp_path: Path) -> Callable[..., Path]:
    """:func:`cesm_files.write_dicom` into ``tmp_path`` (``image_<n>.dcm`` unless ``name=``),
    with :data:`cesm_files.PATIENT_AND_STUDY`; ``compress=`` takes a transfer syntax UID."""
    counter = iter(range(10_000))

    def write(pixels: np.ndarray | None = None, *, name: str | None = None, **options: Any) -> Path:
        path = tmp_path / (name or f"image_{next(counter)}.dcm")
        return cesm_files.write_dicom(path, pixels, **{**cesm_files.PATIENT_AND_STUDY, **options})

    return write
