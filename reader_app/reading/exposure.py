"""What the reader saw of the model during an aided read, as the engine stores it.

The workstation knows when the model's output actually reached the screen and when the reader
switched the heat map; the engine records both with the answer (:class:`AiExposure`). The times
come from the same clock as the reader session's, so a test or a simulation with a fixed clock
gets consistent records.
"""

from __future__ import annotations

from datetime import datetime

from studies.engine.clock import Clock
from studies.engine.reader_api import AiExposure


class ExposureLog:
    """Collects one aided read's exposure events; :meth:`exposure` hands them to ``submit``."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._first_shown_at: datetime | None = None
        self._events: list[tuple[datetime, bool]] = []

    def start(self, heatmap_on: bool | None) -> None:
        """The model's output is on screen now; ``heatmap_on``: the heat map's state then
        (``None``: the case has no heat map)."""
        self._first_shown_at = self._clock.now()
        self._events = [] if heatmap_on is None else [(self._first_shown_at, heatmap_on)]

    def heatmap_switched(self, on: bool) -> None:
        """The reader switched the heat map on or off."""
        if self._first_shown_at is not None:
            self._events.append((self._clock.now(), on))

    def clear(self) -> None:
        """An unaided read: nothing to record."""
        self._first_shown_at = None
        self._events = []

    def exposure(self) -> AiExposure | None:
        """The events of the read so far (``None`` when no model output was shown)."""
        if self._first_shown_at is None:
            return None
        return AiExposure(self._first_shown_at, tuple(self._events))
