"""Clocks (aware UTC, simulated time only moves forward) and secrets (scrypt as documented,
verified in constant time, never echoed; the throttle's schedule)."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from studies.engine.clock import Clock, SimulatedClock, SystemClock
from studies.engine.pins import (
    CredentialError,
    check_password,
    check_pin,
    hash_secret,
    throttle_delay,
    verify_secret,
)

# -------------------------------------------------------------------------------------- clocks


def test_system_clock_is_aware_utc_and_current() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now.timestamp() - time.time()) < 60
    assert isinstance(SystemClock(), Clock)


def test_simulated_clock_stands_still_until_advanced() -> None:
    start = datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    clock = SimulatedClock(start)
    assert clock.now() == start and clock.now().utcoffset() == timedelta(0)
    assert clock.now() == clock.now()
    assert clock.advance(timedelta(days=56, seconds=3)) == start + timedelta(days=56, seconds=3)
    assert clock.now() == start + timedelta(days=56, seconds=3)
    assert isinstance(clock, Clock)


def test_simulated_clock_refuses_going_back_and_naive_times() -> None:
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        SimulatedClock(datetime(2026, 1, 1))


# --------------------------------------------------------------------------------------- secrets

PIN = "73920518"


def test_hash_is_the_documented_scrypt_string() -> None:
    stored = hash_secret(PIN)
    name, n, r, p, salt_b64, hash_b64 = stored.split("$")
    assert (name, n, r, p) == ("scrypt", str(2**14), "8", "1")
    salt = base64.b64decode(salt_b64)
    assert len(salt) == 16
    expected = hashlib.scrypt(PIN.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    assert base64.b64decode(hash_b64) == expected
    assert PIN not in stored


def test_verify_accepts_the_secret_and_nothing_else() -> None:
    stored = hash_secret(PIN)
    assert verify_secret(PIN, stored) is True
    assert verify_secret("73920519", stored) is False
    assert verify_secret("", stored) is False
    assert verify_secret(PIN + " ", stored) is False


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_secret(PIN), hash_secret(PIN)
    assert first != second
    assert verify_secret(PIN, first) and verify_secret(PIN, second)


def test_passwords_are_compared_after_unicode_normalisation() -> None:
    composed, decomposed = "caf\u00e9-secret", "cafe\u0301-secret"
    assert verify_secret(decomposed, hash_secret(composed))


@pytest.mark.parametrize(
    "stored",
    [
        "plain-text-pin",
        "bcrypt$1$2$3$abc$def",
        "scrypt$16384$8$1$not base64!$AAAA",
        "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # hash of the wrong length
        "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,  # N not a power of two
        f"scrypt${2**24}$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44,  # 16 GiB: refused unrun
    ],
)
def test_damaged_stored_hashes_are_refused(stored: str) -> None:
    with pytest.raises(ValueError, match="stored secret") as caught:
        verify_secret(PIN, stored)
    assert PIN not in str(caught.value)


@pytest.mark.parametrize("pin", ["0000", "1234", "012345678901", "73920518"])
def test_valid_pins(pin: str) -> None:
    check_pin(pin)


@pytest.mark.parametrize(
    "pin", ["123", "1234567890123", "12a4", "12 34", " 1234", "١٢٣٤", "1234\n", "", "+1234"]
)
def test_bad_pins_are_refused_without_echoing_them(pin: str) -> None:
    with pytest.raises(CredentialError, match="4–12 digits") as caught:
        check_pin(pin)
    assert pin.strip() == "" or pin.strip() not in str(caught.value)


def test_coordinator_password_needs_eight_characters() -> None:
    check_password("eight ch")
    with pytest.raises(CredentialError, match="at least 8") as caught:
        check_password("seven c")
    assert "seven c" not in str(caught.value)


@pytest.mark.parametrize(
    ("failures", "delay"),
    [(0, 0), (1, 0), (3, 0), (4, 1), (5, 2), (6, 4), (7, 8), (8, 16), (9, 30), (10**9, 30)],
)
def test_throttle_schedule(failures: int, delay: float) -> None:
    assert throttle_delay(failures) == delay


def test_throttle_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        throttle_delay(-1)
