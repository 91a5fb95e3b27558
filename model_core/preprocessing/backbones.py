"""Input sizes of the backbones of Mao et al. (2023), and the lookup that validates a name.

The paper feeds each backbone at its ImageNet input size: Xception 299 × 299, DenseNet121 and
ResNet50 224 × 224. The table is the single source of these numbers for preprocessing, training
and the model bundle, so that a model can never be fed an input of another backbone's size.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from model_core.errors import PreprocessingError

#: Square input side, in pixels, of each supported backbone (read-only).
BACKBONE_INPUT_SIZE: Mapping[str, int] = MappingProxyType(
    {
        "xception": 299,
        "densenet121": 224,
        "resnet50": 224,
    }
)


def canonical_backbone(backbone: str) -> str:
    """The table's spelling of ``backbone`` (case and surrounding blanks are ignored).

    Raises:
        PreprocessingError: naming the field ``backbone`` when the name is not in the table.
    """
    name = backbone.strip().lower() if isinstance(backbone, str) else backbone
    if name not in BACKBONE_INPUT_SIZE:
        known = ", ".join(BACKBONE_INPUT_SIZE)
        raise PreprocessingError(f"backbone: unknown backbone {backbone!r} (known: {known})")
    return name


def input_size_for(backbone: str) -> int:
    """Square input side in pixels of ``backbone``; :class:`PreprocessingError` if unknown."""
    return BACKBONE_INPUT_SIZE[canonical_backbone(backbone)]
