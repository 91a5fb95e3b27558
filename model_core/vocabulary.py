"""The project's vocabulary: labels, sessions, BI-RADS and breast density, lateralities, views.

Every file format, the statistics, the simulators and (later) the study engine and the reader GUI
speak these words; they are defined here once and imported everywhere else, so that a manifest,
a reads export and a study store can never disagree on how "malignant" or "aided" is spelled.

Spelling rules shared by all formats: labels are lower case (``malignant``), lateralities,
views and BI-RADS categories upper case (``L``, ``MLO``, ``4A``); the ``canonical_*`` functions
accept any letter case, since spreadsheets edited by hand vary and nothing is lost by
normalising, and raise :class:`ValueError` with a message about the one value.
"""

from __future__ import annotations

from typing import Final

# ------------------------------------------------------------------------------ ground truth

#: Pathology labels of a lesion, in code order (benign = 0, malignant = 1).
LABELS: Final[tuple[str, str]] = ("benign", "malignant")
BENIGN: Final = "benign"
MALIGNANT: Final = "malignant"
#: How the reads export (``truth``, ``decision``) and the statistics code a label: 1 = positive.
LABEL_CODES: Final[dict[str, int]] = {BENIGN: 0, MALIGNANT: 1}


def canonical_label(text: str) -> str | None:
    """``benign`` / ``malignant`` in any case; empty is ``None`` (a case without ground truth)."""
    if not text:
        return None
    if text.lower() not in LABELS:
        raise ValueError(f"unknown label '{text}' (expected benign, malignant, or empty)")
    return text.lower()


def label_name(code: int) -> str:
    """``0`` → ``benign``, ``1`` → ``malignant``."""
    return LABELS[code]


# ---------------------------------------------------------------------------- reading sessions

#: The two readings of a case in a reader study, in analysis order: without the model, then —
#: after the washout — with its probability and heat map.
SESSIONS: Final[tuple[str, str]] = ("unaided", "aided")
UNAIDED: Final = "unaided"
AIDED: Final = "aided"


def canonical_session(text: str) -> str:
    """``unaided`` / ``aided`` in any case (``Unaided`` → ``unaided``).

    Raises:
        ValueError: any other text, the empty text included (every read has a session).
    """
    if text.lower() not in SESSIONS:
        raise ValueError(f"{text!r} is not {' or '.join(repr(s) for s in SESSIONS)}")
    return text.lower()


# ------------------------------------------------------------------------------------ BI-RADS

#: BI-RADS assessment categories (ACR 5th ed.) in ordinal order, for the weighted kappa. A bare
#: "4" (a reader who does not subdivide) is a category of its own and sorts before 4A.
BI_RADS_CATEGORIES: Final[tuple[str, ...]] = ("0", "1", "2", "3", "4", "4A", "4B", "4C", "5", "6")
#: The categories of a CESM lesion sent to biopsy, the scale of Mao et al.'s reader study.
BI_RADS_LESION_SCALE: Final[tuple[str, ...]] = ("3", "4A", "4B", "4C", "5")
#: The "suspicious" categories of the paper's BI-RADS 4 subgroup, the bare 4 included.
BI_RADS_4: Final[tuple[str, ...]] = ("4", "4A", "4B", "4C")


def canonical_bi_rads(text: str) -> str | None:
    """A BI-RADS category, upper case (``4a`` → ``4A``); empty is ``None``."""
    if not text:
        return None
    category = text.upper()
    if category not in BI_RADS_CATEGORIES:
        raise ValueError(
            f"unknown BI-RADS category '{text}' (expected one of {', '.join(BI_RADS_CATEGORIES)})"
        )
    return category


# ------------------------------------------------------------------------------ breast density

#: ACR breast composition categories: the 5th edition's letters a–d and the 4th edition's
#: numbers 1–4, both in use in public datasets. They are kept as written (upper case), not
#: converted: the 4th edition's categories were defined by percentages of dense tissue, the
#: 5th's by masking, so ``2`` and ``B`` are not the same statement.
BREAST_DENSITY_CATEGORIES: Final[tuple[str, ...]] = ("A", "B", "C", "D", "1", "2", "3", "4")


def canonical_breast_density(text: str) -> str | None:
    """An ACR breast density category, upper case (``c`` → ``C``); empty is ``None``."""
    if not text:
        return None
    category = text.upper()
    if category not in BREAST_DENSITY_CATEGORIES:
        raise ValueError(
            f"unknown breast density '{text}' (expected ACR A, B, C, D or, 4th edition, 1–4)"
        )
    return category


# -------------------------------------------------------------------------- breast and views

LATERALITIES: Final[tuple[str, str]] = ("L", "R")
CC: Final = "CC"
MLO: Final = "MLO"
#: The views of the paper's cases; others (ML, LM, XCCL, ...) are accepted with a warning.
VIEWS: Final[tuple[str, str]] = (CC, MLO)


def canonical_laterality(text: str) -> str | None:
    """``L`` or ``R`` in any case; empty is ``None``."""
    if not text:
        return None
    if text.upper() not in LATERALITIES:
        raise ValueError(f"unknown laterality '{text}' (expected L or R)")
    return text.upper()
