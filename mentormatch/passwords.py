"""The password rules: long enough, and not one that attackers try first."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 10


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip() for line in path.read_text().splitlines() if line.strip())


def password_problem(password: str, *personal: str) -> str | None:
    """A message saying what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) <= 2:
        return "That password is too common; choose one that is harder to guess."
    for word in personal:
        word = (word or "").lower().split("@")[0]
        if len(word) >= 4 and word in lowered:
            return "Do not build your password from your name or e-mail address."
    return None
