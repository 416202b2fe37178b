"""Labelled pair data sets for the learning benchmark: real speed-dating encounters, and synthetic
cohorts with planted effects.

Each loader returns ``(youth, mentors, pairs, outcomes, groups)``: profiles,
``(youth_id, mentor_id)`` pairs, 0/1 outcomes, and the mentor id of each pair
(the unit a grouped split keeps on one side).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from matching import Mentor, Youth
from matching.csvio import read_mentors, read_youth
from matching.synthetic import synthetic_mentors, synthetic_youth

SPEED_DATING = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "speed-dating" / "speed-dating.csv"
ACTIVITIES = (
    "sports", "tvsports", "exercise", "dining", "museums", "art", "hiking", "gaming", "clubbing", "reading",
    "tv", "theater", "movies", "concerts", "music", "shopping", "yoga",
)  # fmt: skip
PROGRAM = frozenset({"speed-dating"})


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _person(row: dict) -> dict:
    """Pre-date profile columns only: nothing filled in during or after a date."""
    zip_code = row["zipcode"].replace(",", "").strip()
    age = _number(row["age"])
    return {
        "age": None if age is None else int(age),
        "interests": frozenset(a for a in ACTIVITIES if (_number(row[a]) or 0) >= 7),
        "text": f"{row['field']} {row['career']}".strip(),
        "zip": zip_code.zfill(5) if zip_code.isdigit() and 3 <= len(zip_code) <= 5 else "",
        "gender": {"0": "female", "1": "male"}.get(row["gender"], ""),
    }


def speed_dating(path: Path = SPEED_DATING):
    """Women as "youth", men as "mentors", one pair per encounter, outcome = mutual match.

    Youth ages above the engine's 30 are read as 30 and a missing age as 26 (the
    median); a mentor's missing age stays unknown. Every encounter appears once
    (from the woman's row).
    """
    with open(path, newline="", encoding="latin-1") as handle:
        rows = [r for r in csv.DictReader(handle) if r["iid"] and r["pid"]]
    people: dict[str, dict] = {}
    for row in rows:
        people.setdefault(row["iid"], _person(row))
    youth, mentors, pairs, outcomes, groups = {}, {}, [], [], []
    for row in rows:
        if row["gender"] != "0" or row["pid"].split(".")[0] not in people:
            continue
        woman, man = row["iid"], row["pid"].split(".")[0]
        if woman not in youth:
            p = people[woman]
            youth[woman] = Youth(
                id=f"w{woman}", age=min(p["age"] or 26, 30), gender=p["gender"], interests=p["interests"],
                text=p["text"], zip=p["zip"], programs=PROGRAM,
            )  # fmt: skip
        if man not in mentors:
            p = people[man]
            mentors[man] = Mentor(
                id=f"m{man}", age=p["age"] if p["age"] and p["age"] >= 16 else None, gender=p["gender"],
                interests=p["interests"], text=p["text"], zip=p["zip"], programs=PROGRAM, cleared=True,
            )  # fmt: skip
        pairs.append((f"w{woman}", f"m{man}"))
        outcomes.append(int(row["match"]))
        groups.append(f"m{man}")
    return list(youth.values()), list(mentors.values()), pairs, np.array(outcomes), np.array(groups)


def planted(n_youth: int = 3000, n_mentors: int = 400, n_pairs: int = 12000, seed: int = 0):
    """Synthetic closed matches whose outcome follows two planted effects and noise.

    The log-odds of lasting rise by 2.5 with the share of the youth's interests
    the mentor covers, and by 1.5 per unit of the mentor's lasting record
    ``(L - C) / (L + C + 2)``; nothing else matters. A learner that finds the
    coverage and track-record shapes, and little else, has recovered them.
    """
    rng = np.random.default_rng(seed)
    youth = synthetic_youth(n_youth, seed=seed)
    base = synthetic_mentors(n_mentors, seed=seed + 1)
    lasted = rng.poisson(rng.gamma(1.5, 1.5, n_mentors))
    closed = rng.poisson(rng.gamma(1.5, 1.5, n_mentors))
    mentors = [
        Mentor(**{**m.__dict__, "matches_lasted": int(a), "matches_closed_early": int(c)})
        for m, a, c in zip(base, lasted, closed)
    ]
    i = rng.integers(0, n_youth, n_pairs)
    j = rng.integers(0, n_mentors, n_pairs)
    covered = np.array([
        len({t.casefold() for t in youth[a].interests} & {t.casefold() for t in mentors[b].interests})
        / max(len(youth[a].interests), 1)
        for a, b in zip(i, j)
    ])  # fmt: skip
    record = (lasted[j] - closed[j]) / (lasted[j] + closed[j] + 2.0)
    logit = -1.0 + 2.5 * covered + 1.5 * record
    outcomes = (rng.random(n_pairs) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    pairs = [(youth[a].id, mentors[b].id) for a, b in zip(i, j)]
    return youth, mentors, pairs, outcomes, np.array([mentors[b].id for b in j])


def from_files(youth_csv: Path, mentors_csv: Path, pairs_csv: Path):
    """Labelled pairs kept in files: profiles in the engine's CSV format (``python -m matching
    --help``) and a pairs file with the columns ``youth_id``, ``mentor_id`` and ``outcome`` (0 or 1)."""
    youth, mentors = read_youth(youth_csv), read_mentors(mentors_csv)
    with open(pairs_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"youth_id", "mentor_id", "outcome"} - set(rows[0] if rows else ())
    if missing:
        raise ValueError(f"{pairs_csv}: no column {', '.join(sorted(missing))}")
    pairs = [(row["youth_id"].strip(), row["mentor_id"].strip()) for row in rows]
    outcomes = np.array([int(row["outcome"]) for row in rows])
    return youth, mentors, pairs, outcomes, np.array([mentor for _, mentor in pairs])
