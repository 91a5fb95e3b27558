"""Reading time per reader and session, and how it changed with the model's help.

The paper reports that the model's help did not slow readers down; a reader study that records
``reading_time_s`` (the reader workstation does, per case) can check the same. Times are skewed
(a few cases take minutes), so each session is summarised by its median and interquartile range,
and the change with aid by the median of the per-case paired differences (aided − unaided) with
the Wilcoxon signed-rank test of those differences (scipy's default two-sided test; zero
differences dropped, ``zero_method="wilcox"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from model_core.vocabulary import AIDED, SESSIONS, UNAIDED
from studies.analysis.result_dict import NOT_EXPORTED, FieldsToDict


@dataclass(frozen=True)
class TimeSummary(FieldsToDict):
    """Median and quartiles of reading times in seconds; NaN without any time recorded."""

    n: int
    median_s: float
    q1_s: float
    q3_s: float

    @classmethod
    def of(cls, seconds: NDArray[np.float64]) -> TimeSummary:
        """The summary of the finite values of ``seconds``."""
        finite = seconds[np.isfinite(seconds)]
        if finite.size == 0:
            return cls(0, math.nan, math.nan, math.nan)
        q1, median, q3 = np.percentile(finite, [25, 50, 75])
        return cls(int(finite.size), float(median), float(q1), float(q3))


@dataclass(frozen=True)
class TimeChange(FieldsToDict):
    """Paired change aided − unaided, case by case: median, quartiles, Wilcoxon P."""

    n_pairs: int
    median_difference_s: float
    q1_s: float
    q3_s: float
    wilcoxon_p: float

    @classmethod
    def of(cls, unaided: NDArray[np.float64], aided: NDArray[np.float64]) -> TimeChange:
        """The change over the cases timed in both sessions."""
        both = np.isfinite(unaided) & np.isfinite(aided)
        difference = aided[both] - unaided[both]
        if difference.size == 0:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        q1, median, q3 = np.percentile(difference, [25, 50, 75])
        p_value = math.nan
        if np.any(difference != 0):
            p_value = float(stats.wilcoxon(difference, zero_method="wilcox").pvalue)
        return cls(int(difference.size), float(median), float(q1), float(q3), p_value)


@dataclass(frozen=True)
class ReadingTime(FieldsToDict):
    """One reader's (or all readers' pooled) reading times in both sessions and the change."""

    reader_id: str = field(metadata=NOT_EXPORTED)
    unaided: TimeSummary
    aided: TimeSummary
    change: TimeChange


@dataclass(frozen=True)
class ReadingTimes:
    """Every reader's reading times, and all readers' reads pooled."""

    readers: tuple[ReadingTime, ...]
    all_readers: ReadingTime

    def to_dict(self) -> dict[str, object]:
        """``{"readers": {reader: {unaided, aided, change}}, "all_readers": {...}}``."""
        return {
            "readers": {reading.reader_id: reading.to_dict() for reading in self.readers},
            "all_readers": self.all_readers.to_dict(),
        }


def _reading_time(reader_id: str, seconds: NDArray[np.float64]) -> ReadingTime:
    """``seconds`` shaped (2, cases) or (2, readers, cases): sessions first."""
    unaided = seconds[SESSIONS.index(UNAIDED)].ravel()
    aided = seconds[SESSIONS.index(AIDED)].ravel()
    return ReadingTime(
        reader_id, TimeSummary.of(unaided), TimeSummary.of(aided), TimeChange.of(unaided, aided)
    )


def reading_times(
    seconds: NDArray[np.float64] | None, reader_ids: tuple[str, ...]
) -> ReadingTimes | None:
    """Summaries of ``seconds`` (shape (2, readers, cases)); ``None`` when no time was recorded."""
    if seconds is None or not np.isfinite(seconds).any():
        return None
    readers = tuple(_reading_time(reader, seconds[:, r, :]) for r, reader in enumerate(reader_ids))
    return ReadingTimes(readers, _reading_time("all readers", seconds))
