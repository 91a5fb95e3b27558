"""Readers' PINs and the coordinator's password: hashed, verified, and slowed after failures.

A PIN has 4–12 digits, so there are at most 10**12 and often only 10**4 of them: a plain hash
would be reversed in moments by anyone with a copy of the store. So a secret is kept only as
**scrypt** (RFC 7914; :func:`hashlib.scrypt`), memory-hard, with N = 2**14, r = 8, p = 1 (16 MiB
and roughly 50 ms per guess) and a random 16-byte salt per secret, stored as one
self-describing text::

    scrypt$<N>$<r>$<p>$<salt, base64>$<32-byte hash, base64>

so that the cost can be raised later and old hashes still verify. Secrets are normalised to
Unicode NFC first (the same password typed on two systems gives the same bytes). Nothing here
logs, returns or puts a secret into an error message.

Guessing online is slowed by :func:`throttle_delay`: the first 3 failures cost nothing (typos),
then each failure doubles the wait, up to 30 s.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import unicodedata
from typing import Final

from studies.errors import StudyError

SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
SALT_BYTES: Final = 16
HASH_BYTES: Final = 32
#: Bounds on the parameters of a stored hash: a tampered store must not make a login allocate
#: gigabytes (scrypt needs about 128 · r · N bytes) or spin for minutes.
_MAX_MEMORY: Final = 2**28
_MAX_P: Final = 16

PIN_DIGITS: Final = (4, 12)
MIN_PASSWORD_LENGTH: Final = 8
FREE_FAILURES: Final = 3
MAX_DELAY_S: Final = 30.0

_PIN = re.compile(r"[0-9]{4,12}")


class CredentialError(StudyError):
    """A PIN or password that does not follow the rules (the message never contains it)."""


def check_pin(pin: str) -> None:
    """Refuse a PIN that is not 4–12 ASCII digits."""
    if not isinstance(pin, str) or _PIN.fullmatch(pin) is None:
        raise CredentialError(f"a PIN must be {PIN_DIGITS[0]}–{PIN_DIGITS[1]} digits (0–9)")


def check_password(password: str) -> None:
    """Refuse a coordinator password shorter than 8 characters."""
    if not isinstance(password, str) or len(_normalised(password)) < MIN_PASSWORD_LENGTH:
        raise CredentialError(
            f"a coordinator password must have at least {MIN_PASSWORD_LENGTH} characters"
        )


def hash_secret(secret: str) -> str:
    """The stored form of a PIN or password (see the module docstring); salted afresh each call."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(
        ("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest))
    )


def verify_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches the stored hash (compared in constant time).

    Raises:
        ValueError: ``stored`` is not a hash written by :func:`hash_secret` (a damaged store).
    """
    parts = stored.split("$") if isinstance(stored, str) else []
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("stored secret is not an scrypt hash of this application")
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("stored secret hash is damaged (parameters or base64)") from None
    power_of_two = n > 1 and n & (n - 1) == 0
    if not (power_of_two and r >= 1 and 128 * r * n <= _MAX_MEMORY and 1 <= p <= _MAX_P):
        raise ValueError("stored secret hash has parameters outside the accepted range")
    if not salt or len(expected) != HASH_BYTES:
        raise ValueError("stored secret hash is damaged (salt or hash length)")
    if not isinstance(secret, str):
        return False
    return hmac.compare_digest(_scrypt(secret, salt, n, r, p), expected)


def throttle_delay(failed_attempts: int) -> float:
    """Seconds to wait before the next attempt after ``failed_attempts`` consecutive failures:
    0 for up to 3, then 1, 2, 4, 8, 16, and 30 from the 9th failure on."""
    if isinstance(failed_attempts, bool) or failed_attempts < 0:
        raise ValueError(f"failed_attempts must be >= 0, got {failed_attempts!r}")
    if failed_attempts <= FREE_FAILURES:
        return 0.0
    exponent = failed_attempts - FREE_FAILURES - 1
    if exponent >= 5:  # 2**5 = 32 > 30 already; also keeps huge counts from overflowing
        return MAX_DELAY_S
    return min(float(2**exponent), MAX_DELAY_S)


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        _normalised(secret).encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=128 * r * (n + p + 2) + 2**20,
        dklen=HASH_BYTES,
    )


def _normalised(secret: str) -> str:
    return unicodedata.normalize("NFC", secret)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
