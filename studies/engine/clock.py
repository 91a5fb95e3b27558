"""The engine's one source of "now", injectable so that washouts and reading times can be tested
and simulated without waiting weeks.

Every time is timezone-aware UTC: the store, the audit chain and the washout compare times from
readers in different places, and a naive local time would shift them by hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Something that tells the time."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The computer's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that stands still until told to move: for tests and simulated readers.

    ``advance`` moves it forward only, as real time does, so that a simulation cannot record a
    decision before the one it followed.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"start must be a timezone-aware datetime, got {start!r}")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` (≥ 0) and return the new time."""
        if delta < timedelta(0):
            raise ValueError(f"a clock only moves forward; got {delta}")
        self._now += delta
        return self._now
