"""A reading session's life cycle and the washout between a reader's two sessions.

::

    not_started --start--> in_progress --complete--> completed
                               |   ^
                           pause   resume
                               v   |
                              paused

Every other move is refused (:class:`SessionStateError`): a completed session is never reopened,
a paused one is resumed before it is completed, a session is started once. The function is pure;
the store records the state, the audit log the move.

**Washout.** A reader's second session opens ``washout_days`` after *that reader* completed the
first (each reader has their own clock; calendar days of 24 h, in UTC, so no daylight-saving
hour is gained or lost). A coordinator may open it earlier with a written reason, which the
engine audits; an override never opens a second session before the first is completed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from studies.errors import StudyError


class SessionState(StrEnum):
    """Where a reading session stands; the values are what the store keeps."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    COMPLETED = "completed"


class SessionAction(StrEnum):
    """What a reader (or the engine for them) does to a session."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    COMPLETE = "complete"


class SessionStateError(StudyError):
    """A move the session's state does not allow (e.g. completing a paused session)."""


_MOVES: dict[tuple[SessionState, SessionAction], SessionState] = {
    (SessionState.NOT_STARTED, SessionAction.START): SessionState.IN_PROGRESS,
    (SessionState.IN_PROGRESS, SessionAction.PAUSE): SessionState.PAUSED,
    (SessionState.PAUSED, SessionAction.RESUME): SessionState.IN_PROGRESS,
    (SessionState.IN_PROGRESS, SessionAction.COMPLETE): SessionState.COMPLETED,
}


def next_state(state: SessionState | str, action: SessionAction | str) -> SessionState:
    """The state after ``action``.

    Raises:
        SessionStateError: the move is not allowed from ``state``; the message says which
            moves are.
        ValueError: ``state`` or ``action`` is not a known word.
    """
    state = SessionState(state)
    action = SessionAction(action)
    after = _MOVES.get((state, action))
    if after is None:
        allowed = [move.value for (before, move) in _MOVES if before is state]
        can = f"only {' or '.join(allowed)}" if allowed else "nothing: it is final"
        raise SessionStateError(
            f"cannot {action.value} a session that is {state.value.replace('_', ' ')} "
            f"(allowed: {can})"
        )
    return after


def washout_opens_at(first_completed_at: datetime, washout_days: int) -> datetime:
    """When a reader's second session may open (in UTC): ``washout_days`` × 24 h after the first
    session was completed."""
    _require_aware(first_completed_at, "first_completed_at")
    if isinstance(washout_days, bool) or not isinstance(washout_days, int) or washout_days < 0:
        raise ValueError(f"washout_days must be an integer >= 0, got {washout_days!r}")
    # In UTC: adding days to a local time would add wall-clock days, 23 or 25 h across a change.
    return first_completed_at.astimezone(UTC) + timedelta(days=washout_days)


def can_open_second_session(
    now: datetime,
    first_completed_at: datetime | None,
    washout_days: int,
    override: bool,
) -> bool:
    """Whether the second session may open now.

    Never before the first is completed (``first_completed_at`` is ``None``); with an
    ``override`` (a coordinator's, with a reason the caller records) as soon as it is;
    otherwise once :func:`washout_opens_at` has come.
    """
    _require_aware(now, "now")
    if first_completed_at is None:
        return False
    opens_at = washout_opens_at(first_completed_at, washout_days)
    return override or now >= opens_at


def _require_aware(moment: datetime, name: str) -> None:
    """Naive datetimes are refused: comparing local and UTC times would shift the washout."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
