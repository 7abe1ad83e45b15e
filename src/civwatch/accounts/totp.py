"""Time-based one-time codes (RFC 6238) for the second sign-in factor."""

from __future__ import annotations

import time

import pyotp

ISSUER = "civwatch"
#: Codes from one step before or after now are accepted (clock drift).
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads (as text or a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def current_code(secret: str, at: float | None = None) -> str:
    return pyotp.TOTP(secret).at(time.time() if at is None else at)


def matching_step(secret: str, code: str, last_step: int | None, at: float | None = None) -> int:
    """The time step ``code`` belongs to, or -1 when wrong or already used (replay)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return -1
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    step_now = int(now) // totp.interval
    for step in range(step_now - DRIFT_STEPS, step_now + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return -1
