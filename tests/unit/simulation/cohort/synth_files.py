"""Helpers for reading what ``cesm-reader synth`` wrote (shared by this folder's tests)."""

from __future__ import annotations

import csv
from pathlib import Path

SEED = 20231


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_manifest(folder: Path) -> list[dict[str, str]]:
    """Rows of ``folder/manifest.csv``."""
    return read_csv(folder / "manifest.csv")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), to prove nothing changed."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
