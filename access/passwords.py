"""Passwords: hashed with Argon2id (argon2-cffi, the parameters of RFC 9106's low-memory profile: 64 MiB, three
passes, four lanes; above OWASP's minimum of 19 MiB and two passes), checked against a short policy (NIST SP
800-63B: length, not the username, not a well-known password; no composition rules), and generated for one-time
use. A hash made with older parameters is replaced at the next sign-in (``needs_rehash``).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: The hasher (argon2-cffi's defaults are RFC 9106's low-memory profile).
_HASHER = PasswordHasher()
#: A hash of a random password: checked when a username is unknown, so a wrong name takes as long as a wrong
#: password and the timing does not tell which names exist.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))
#: Passwords people choose first (a deliberately short list: the length rule does most of the work).
_COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "1q2w3e4r5t",
        "admin123456",
        "administrator",
        "iloveyou123",
        "88888888",
        "66666666",
        "a123456789",
        "woaini1314",
        "onemap123456",
    }
)


class PasswordPolicyError(ValueError):
    """A new password does not meet the policy."""


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (a PHC string holding its salt and parameters)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; ``None`` (no password: single sign-on only) never does, but
    takes as long as a real check."""
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's (re-hash it at the next sign-in)."""
    return _HASHER.check_needs_rehash(password_hash)


def check_password(password: str, *, username: str, min_length: int) -> str:
    """``password`` when it meets the policy, else a ``PasswordPolicyError`` saying why."""
    if len(password) < min_length:
        raise PasswordPolicyError(f"a password needs at least {min_length} characters, this one has {len(password)}")
    if username and username.lower() in password.lower():
        raise PasswordPolicyError("a password may not contain the username")
    if password.lower() in _COMMON or len(set(password)) <= 2:
        raise PasswordPolicyError("this password is among the first ones tried by anyone guessing; choose another")
    return password


def one_time_password() -> str:
    """A random password for a first sign-in or a reset (16 URL-safe characters, ~96 bits)."""
    return secrets.token_urlsafe(12)
