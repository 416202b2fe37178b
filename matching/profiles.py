"""Youth and mentor profiles: the plain, validated input of the matching engine.

A profile is a frozen dataclass. Construction normalises the collection fields to
``frozenset`` and checks every field, raising :class:`ProfileError` (a
``ValueError``) whose message names the field and the profile id, so a
coordinator can find and fix the offending record.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS_OF_DAY = ("morning", "afternoon", "evening")
SLOT_CODES = tuple(f"{day}-{part}" for day in DAYS for part in PARTS_OF_DAY)
"""All weekly availability slot codes, e.g. ``"tue-evening"`` (21 of them)."""


class ProfileError(ValueError):
    """A youth or mentor profile field is invalid; the message names the field and the id."""

    def __init__(self, kind: str, profile_id: object, field_name: str, problem: str) -> None:
        self.kind = kind
        self.profile_id = profile_id
        self.field_name = field_name
        super().__init__(f"{kind} {profile_id!r}: {field_name} {problem}")


def _check_id(kind: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProfileError(kind, value, "id", "must be a str or an int")
    if isinstance(value, str) and not value.strip():
        raise ProfileError(kind, value, "id", "must not be empty")


def _text_set(kind: str, pid: object, name: str, value: object) -> frozenset[str]:
    """Normalise a collection of words to a frozenset of stripped, non-empty strings."""
    if isinstance(value, str) or not isinstance(value, (set, frozenset, list, tuple)):
        raise ProfileError(kind, pid, name, f"must be a set of strings, got {type(value).__name__}")
    items = set()
    for item in value:
        if not isinstance(item, str):
            raise ProfileError(kind, pid, name, f"must contain only strings, got {item!r}")
        if item.strip():
            items.add(item.strip())
    return frozenset(items)


def _slot_set(kind: str, pid: object, value: object) -> frozenset[str]:
    slots = frozenset(s.lower() for s in _text_set(kind, pid, "slots", value))
    unknown = sorted(slots.difference(SLOT_CODES))
    if unknown:
        raise ProfileError(
            kind, pid, "slots", f"has unknown codes {unknown}; use day-part such as 'tue-evening'"
        )
    return slots


def _program_set(kind: str, pid: object, value: object) -> frozenset:
    if isinstance(value, str) or not isinstance(value, (set, frozenset, list, tuple)):
        raise ProfileError(kind, pid, "programs", "must be a set of program ids")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ProfileError(kind, pid, "programs", f"must contain str or int ids, got {item!r}")
    return frozenset(value)


def _check_int(kind: str, pid: object, name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ProfileError(kind, pid, name, f"must be an int, got {value!r}")
    if not low <= value <= high:
        raise ProfileError(kind, pid, name, f"must be between {low} and {high}, got {value}")


def _check_float(kind: str, pid: object, name: str, value: object, positive: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ProfileError(kind, pid, name, f"must be a finite number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ProfileError(kind, pid, name, f"must be {'> 0' if positive else '>= 0'}, got {value}")


def _check_word(kind: str, pid: object, name: str, value: object, optional: bool) -> None:
    if optional and value is None:
        return
    if not isinstance(value, str):
        raise ProfileError(kind, pid, name, f"must be a string, got {value!r}")


def _check_zip(kind: str, pid: object, value: object) -> None:
    if not isinstance(value, str) or not (value == "" or (len(value) == 5 and value.isdigit())):
        raise ProfileError(kind, pid, "zip", f"must be 5 digits or empty, got {value!r}")


def _set(profile: object, name: str, value: object) -> None:
    # Frozen dataclasses allow assignment only through object.__setattr__.
    object.__setattr__(profile, name, value)


def _check_shared_fields(profile: object, kind: str) -> None:
    """Check and normalise the fields youth and mentors both have."""
    pid = profile.id
    _check_word(kind, pid, "gender", profile.gender, optional=False)
    _set(profile, "gender", profile.gender.strip().lower())
    _set(profile, "languages", _text_set(kind, pid, "languages", profile.languages))
    _set(profile, "interests", _text_set(kind, pid, "interests", profile.interests))
    _check_word(kind, pid, "text", profile.text, optional=False)
    _set(profile, "slots", _slot_set(kind, pid, profile.slots))
    _check_zip(kind, pid, profile.zip)
    _set(profile, "programs", _program_set(kind, pid, profile.programs))


@dataclass(frozen=True)
class Youth:
    """A young person waiting for a mentor.

    ``mentor_gender_preference``, ``required_language`` and ``max_travel_miles``
    are hard rules when stated (not None / not empty).
    """

    id: str | int
    age: int
    gender: str = ""
    languages: frozenset[str] = field(default_factory=frozenset)
    interests: frozenset[str] = field(default_factory=frozenset)
    text: str = ""
    slots: frozenset[str] = field(default_factory=frozenset)
    zip: str = ""
    programs: frozenset = field(default_factory=frozenset)
    mentor_gender_preference: str | None = None
    required_language: str | None = None
    max_travel_miles: float | None = None
    days_waiting: int = 0

    def __post_init__(self) -> None:
        kind, pid = "youth", self.id
        _check_id(kind, pid)
        _check_int(kind, pid, "age", self.age, 5, 30)
        _check_shared_fields(self, kind)
        for name in ("mentor_gender_preference", "required_language"):
            value = getattr(self, name)
            _check_word(kind, pid, name, value, optional=True)
            # An empty answer on a form means "no preference", not "a mentor of gender ''".
            _set(self, name, None if value is None else (value.strip() or None))
        if self.mentor_gender_preference is not None:
            _set(self, "mentor_gender_preference", self.mentor_gender_preference.lower())
        if self.max_travel_miles is not None:
            _check_float(kind, pid, "max_travel_miles", self.max_travel_miles, positive=True)
        _check_int(kind, pid, "days_waiting", self.days_waiting, 0, 100_000)


@dataclass(frozen=True)
class Mentor:
    """An officer or volunteer who can take ``capacity - active_mentees`` more mentees.

    ``matches_lasted`` and ``matches_closed_early`` are the mentor's track record
    in this program: closed matches that lasted 12 months, and those that closed
    before. Count only matches that closed before the pair being scored began,
    so a learned model never sees the outcome it predicts. A new mentor has 0 and 0.
    """

    id: str | int
    age: int | None = None
    gender: str = ""
    languages: frozenset[str] = field(default_factory=frozenset)
    interests: frozenset[str] = field(default_factory=frozenset)
    text: str = ""
    slots: frozenset[str] = field(default_factory=frozenset)
    zip: str = ""
    programs: frozenset = field(default_factory=frozenset)
    capacity: int = 1
    active_mentees: int = 0
    cleared: bool = False
    youth_experience_years: float = 0.0
    matches_lasted: int = 0
    matches_closed_early: int = 0

    def __post_init__(self) -> None:
        kind, pid = "mentor", self.id
        _check_id(kind, pid)
        if self.age is not None:
            _check_int(kind, pid, "age", self.age, 16, 110)
        _check_shared_fields(self, kind)
        _check_int(kind, pid, "capacity", self.capacity, 0, 1_000)
        _check_int(kind, pid, "active_mentees", self.active_mentees, 0, 1_000)
        if not isinstance(self.cleared, bool):
            raise ProfileError(kind, pid, "cleared", f"must be True or False, got {self.cleared!r}")
        _check_float(kind, pid, "youth_experience_years", self.youth_experience_years)
        _check_int(kind, pid, "matches_lasted", self.matches_lasted, 0, 100_000)
        _check_int(kind, pid, "matches_closed_early", self.matches_closed_early, 0, 100_000)

    @property
    def free_capacity(self) -> int:
        """How many more mentees this mentor can take (never negative)."""
        return max(self.capacity - self.active_mentees, 0)


def check_unique_ids(youth: list[Youth], mentors: list[Mentor]) -> None:
    """Raise :class:`ProfileError` for the first repeated id on either side, or a wrong type."""
    for kind, profiles, cls in (("youth", youth, Youth), ("mentor", mentors, Mentor)):
        seen: set = set()
        for profile in profiles:
            if not isinstance(profile, cls):
                raise ProfileError(kind, getattr(profile, "id", None), "type", f"must be a {cls.__name__}")
            if profile.id in seen:
                raise ProfileError(kind, profile.id, "id", "is used by more than one profile")
            seen.add(profile.id)
