"""Session states: the four legal moves, every other one refused by name; the washout."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from studies.engine.session_state import (
    SessionAction,
    SessionState,
    SessionStateError,
    can_open_second_session,
    next_state,
    washout_opens_at,
)
from studies.errors import StudyError

LEGAL = {
    (SessionState.NOT_STARTED, SessionAction.START): SessionState.IN_PROGRESS,
    (SessionState.IN_PROGRESS, SessionAction.PAUSE): SessionState.PAUSED,
    (SessionState.PAUSED, SessionAction.RESUME): SessionState.IN_PROGRESS,
    (SessionState.IN_PROGRESS, SessionAction.COMPLETE): SessionState.COMPLETED,
}
COMPLETED_AT = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(("state", "action"), list(LEGAL))
def test_legal_moves(state: SessionState, action: SessionAction) -> None:
    assert next_state(state, action) is LEGAL[state, action]
    assert next_state(state.value, action.value) is LEGAL[state, action]  # the stored words


ILLEGAL = [pair for pair in itertools.product(SessionState, SessionAction) if pair not in LEGAL]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_moves_are_refused_by_name(state: SessionState, action: SessionAction) -> None:
    with pytest.raises(SessionStateError) as caught:
        next_state(state, action)
    message = str(caught.value)
    assert f"cannot {action.value} a session that is {state.value.replace('_', ' ')}" in message
    assert isinstance(caught.value, StudyError)


def test_completed_is_final() -> None:
    with pytest.raises(SessionStateError, match="allowed: nothing: it is final"):
        next_state(SessionState.COMPLETED, SessionAction.RESUME)


def test_a_pause_and_resume_cycle_ends_completed() -> None:
    state = SessionState.NOT_STARTED
    for action in ("start", "pause", "resume", "pause", "resume", "complete"):
        state = next_state(state, action)
    assert state is SessionState.COMPLETED


def test_unknown_words_are_value_errors() -> None:
    with pytest.raises(ValueError):
        next_state("running", "start")
    with pytest.raises(ValueError):
        next_state("not_started", "begin")


# ----------------------------------------------------------------------------------- washout


def test_washout_opens_whole_days_after_the_first_session() -> None:
    assert washout_opens_at(COMPLETED_AT, 56) == COMPLETED_AT + timedelta(days=56)
    assert washout_opens_at(COMPLETED_AT, 0) == COMPLETED_AT


def test_washout_is_24_hour_days_across_a_daylight_saving_change() -> None:
    paris = ZoneInfo("Europe/Paris")
    completed = datetime(2026, 3, 20, 12, 0, tzinfo=paris)  # summer time starts on 29 March
    opens = washout_opens_at(completed, 28)
    assert opens.astimezone(UTC) - completed.astimezone(UTC) == timedelta(hours=28 * 24)


@pytest.mark.parametrize(
    ("elapsed", "override", "expected"),
    [
        (timedelta(days=55, hours=23, minutes=59), False, False),
        (timedelta(days=56), False, True),
        (timedelta(days=80), False, True),
        (timedelta(days=1), True, True),
        (timedelta(0), True, True),
    ],
)
def test_second_session_opens_after_the_washout_or_with_an_override(
    elapsed: timedelta, override: bool, expected: bool
) -> None:
    now = COMPLETED_AT + elapsed
    assert can_open_second_session(now, COMPLETED_AT, 56, override) is expected


@pytest.mark.parametrize("override", [False, True])
def test_never_before_the_first_session_is_completed(override: bool) -> None:
    assert can_open_second_session(COMPLETED_AT, None, 0, override) is False


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        washout_opens_at(naive, 56)
    with pytest.raises(ValueError, match="timezone-aware"):
        can_open_second_session(naive, COMPLETED_AT, 56, False)


@pytest.mark.parametrize("days", [-1, True, 2.5])
def test_bad_washout_days_are_refused(days: object) -> None:
    with pytest.raises(ValueError, match="washout_days"):
        washout_opens_at(COMPLETED_AT, days)  # type: ignore[arg-type]
