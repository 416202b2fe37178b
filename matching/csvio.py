"""Read youth and mentor profiles from CSV files and write proposals back.

Format: one header row, comma-separated columns, sets as semicolon-separated
values inside one cell (``robotics;K9``), booleans as ``true``/``false``, empty
cells for "not stated".

youth columns:   id, age, gender, languages, interests, text, slots, zip, programs,
                 mentor_gender_preference, required_language, max_travel_miles, days_waiting
mentor columns:  id, age, gender, languages, interests, text, slots, zip, programs,
                 capacity, active_mentees, cleared, youth_experience_years,
                 matches_lasted, matches_closed_early (the last two optional)
"""

from __future__ import annotations

import csv
from pathlib import Path

from matching.engine import MatchResult
from matching.profiles import Mentor, ProfileError, Youth

YOUTH_COLUMNS = (
    "id", "age", "gender", "languages", "interests", "text", "slots", "zip", "programs",
    "mentor_gender_preference", "required_language", "max_travel_miles", "days_waiting",
)  # fmt: skip
MENTOR_COLUMNS = (
    "id", "age", "gender", "languages", "interests", "text", "slots", "zip", "programs",
    "capacity", "active_mentees", "cleared", "youth_experience_years", "matches_lasted", "matches_closed_early",
)  # fmt: skip
SET_FIELDS = {"languages", "interests", "slots", "programs"}


def _cell(kind: str, row: dict, name: str, convert):
    raw = (row.get(name) or "").strip()
    if name in SET_FIELDS:
        return frozenset(part.strip() for part in raw.split(";") if part.strip())
    if convert is str:
        return raw
    if not raw:
        return None
    try:
        return convert(raw)
    except ValueError:
        raise ProfileError(kind, row.get("id"), name, f"cannot be read from {raw!r}") from None


def _boolean(raw: str) -> bool:
    if raw.lower() in ("true", "yes", "1"):
        return True
    if raw.lower() in ("false", "no", "0"):
        return False
    raise ValueError(raw)


def read_youth(path: Path) -> list[Youth]:
    """Youth profiles from a CSV file in the format above."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    youth = []
    for row in rows:
        values = {
            "id": row["id"].strip(),
            "age": _cell("youth", row, "age", int),
            "gender": _cell("youth", row, "gender", str),
            "text": _cell("youth", row, "text", str),
            "zip": _cell("youth", row, "zip", str),
            "mentor_gender_preference": _cell("youth", row, "mentor_gender_preference", str) or None,
            "required_language": _cell("youth", row, "required_language", str) or None,
            "max_travel_miles": _cell("youth", row, "max_travel_miles", float),
            "days_waiting": _cell("youth", row, "days_waiting", int) or 0,
        }
        values.update({name: _cell("youth", row, name, frozenset) for name in SET_FIELDS})
        youth.append(Youth(**values))
    return youth


def read_mentors(path: Path) -> list[Mentor]:
    """Mentor profiles from a CSV file in the format above."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    mentors = []
    for row in rows:
        values = {
            "id": row["id"].strip(),
            "age": _cell("mentor", row, "age", int),
            "gender": _cell("mentor", row, "gender", str),
            "text": _cell("mentor", row, "text", str),
            "zip": _cell("mentor", row, "zip", str),
            "capacity": _cell("mentor", row, "capacity", int),
            "active_mentees": _cell("mentor", row, "active_mentees", int) or 0,
            "cleared": bool(_cell("mentor", row, "cleared", _boolean)),
            "youth_experience_years": _cell("mentor", row, "youth_experience_years", float) or 0.0,
            "matches_lasted": _cell("mentor", row, "matches_lasted", int) or 0,
            "matches_closed_early": _cell("mentor", row, "matches_closed_early", int) or 0,
        }
        values.update({name: _cell("mentor", row, name, frozenset) for name in SET_FIELDS})
        mentors.append(Mentor(**values))
    return mentors


def write_result(result: MatchResult, path: Path) -> None:
    """One row per youth: the proposed mentor, score and reasons, or the reason it is unmatched."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["youth_id", "mentor_id", "score", "reasons"])
        for proposal in result.proposals:
            reasons = "; ".join(r.text for r in proposal.reasons if r.contribution > 0)
            writer.writerow([proposal.youth_id, proposal.mentor_id, f"{proposal.score:.4f}", reasons])
        for unmatched in result.unmatched:
            writer.writerow([unmatched.youth_id, "", "", unmatched.reason])
