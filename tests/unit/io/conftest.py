"""Fixtures for the image and mask reader tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from io_files import mammogram_dataset, ramp


@pytest.fixture
def write_dicom(tmp_path: Path) -> Callable[..., Path]:
    """Write a mammogram DICOM file; ``compress=`` takes a transfer syntax UID."""
    counter = iter(range(10_000))

    def write(
        pixels: np.ndarray | None = None,
        *,
        photometric: str = "MONOCHROME2",
        bits: int = 12,
        compress: str | None = None,
        name: str | None = None,
        **attributes: Any,
    ) -> Path:
        dataset = mammogram_dataset(
            ramp(bits) if pixels is None else pixels, photometric, bits, **attributes
        )
        if compress is not None:
            dataset.compress(compress)
        path = tmp_path / (name or f"image_{next(counter)}.dcm")
        dataset.save_as(path, enforce_file_format=True)
        return path

    return write
