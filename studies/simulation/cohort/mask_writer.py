"""The lesion mask as ITK-SNAP saves a segmentation of a 2-D mammogram: a NIfTI volume.

ITK-SNAP opens a 2-D image as a volume with one slice and saves the segmentation the same way:
a gzipped NIfTI, unsigned 8-bit, label 1 inside the lesion, x = columns, y = rows, z = 1, with
the image's in-plane spacing. ``SimpleITK.GetArrayFromImage`` therefore returns an array of
shape (1, rows, columns), which is what readers of our manifests must accept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK

#: The label value ITK-SNAP gives its first label.
LESION_LABEL = 1


def write_itksnap_mask(mask: np.ndarray, spacing_mm: float, path: Path) -> None:
    """Write a boolean (rows, columns) mask to ``path`` (``.nii.gz``), ITK-SNAP style."""
    volume = (np.asarray(mask, dtype=bool).astype(np.uint8) * LESION_LABEL)[np.newaxis]
    image = SimpleITK.GetImageFromArray(volume)
    image.SetSpacing((float(spacing_mm), float(spacing_mm), 1.0))
    image.SetOrigin((0.0, 0.0, 0.0))
    SimpleITK.WriteImage(image, str(path), useCompression=True)
