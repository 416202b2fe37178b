"""Synthetic youth and mentor cohorts for demos and benchmarks (Sacramento area, reproducible).

The cohorts are random but shaped like a real program: most youth in Police
Explorers, a few stated preferences, Spanish and Hmong speakers, ZIP codes
around Sacramento, evening and weekend availability more common than mornings.
"""

from __future__ import annotations

import numpy as np

from matching.profiles import DAYS, PARTS_OF_DAY, Mentor, Youth

SACRAMENTO_ZIPS = (
    "95811", "95814", "95815", "95816", "95817", "95818", "95819", "95820", "95821", "95822",
    "95823", "95824", "95825", "95826", "95827", "95828", "95829", "95830", "95831", "95832",
    "95833", "95834", "95835", "95838", "95841", "95842", "95843", "95864", "95608", "95610",
    "95621", "95624", "95628", "95630", "95660", "95662", "95670", "95673", "95742", "95757",
    "95758", "95605", "95691",
)  # fmt: skip
INTERESTS = (
    "robotics", "K9", "basketball", "soccer", "drones", "forensics", "first aid", "fitness",
    "music", "gaming", "art", "coding", "cars", "fishing", "hiking", "cooking", "photography",
    "public speaking", "criminal justice", "firefighting", "boxing", "chess", "volunteering",
    "animals", "video editing", "college prep", "military", "aviation", "mechanics", "swimming",
)  # fmt: skip
LANGUAGES = {"English": 0.95, "Spanish": 0.30, "Hmong": 0.05, "Vietnamese": 0.04, "Cantonese": 0.03,
             "Punjabi": 0.03, "Russian": 0.03, "Tagalog": 0.03}  # fmt: skip
PROGRAMS = ("explorers", "cadets", "leadership")
GENDERS = ("female", "male", "nonbinary")
PART_WEIGHTS = {"morning": 0.15, "afternoon": 0.35, "evening": 0.5}
TEXT_WORDS = (
    "career law enforcement patrol detective investigation community service leadership college "
    "scholarship confidence discipline teamwork fitness academy cadet explorer badge dispatch crime "
    "scene lab science technology engineering math writing reading homework grades graduation job "
    "interview resume driving license military navy army marines coast guard firefighter paramedic "
    "nurse medicine emt rescue search drone pilot aviation mechanic welding construction carpentry "
    "electrician coding programming cyber security computers gaming design art music band drums "
    "guitar singing dance theater film video photography journalism debate speech spanish hmong "
    "culture family siblings parents church volunteer food bank shelter animals dogs horses k9 "
    "basketball football soccer baseball softball track running boxing wrestling martial arts "
    "swimming hiking camping fishing outdoors gardening cooking baking business money budgeting "
    "saving entrepreneur mentor role model trust respect honesty responsibility goals future "
    "motivation stress anxiety friends bullying neighborhood safety court lawyer judge probation "
    "corrections forensic psychology counseling social work teaching coaching youth kids sports"
).split()


def _pick(rng: np.random.Generator, items, low: int, high: int, p=None) -> frozenset:
    count = int(rng.integers(low, high + 1))
    return frozenset(rng.choice(items, size=min(count, len(items)), replace=False, p=p).tolist())


def _languages(rng: np.random.Generator) -> frozenset[str]:
    spoken = {name for name, share in LANGUAGES.items() if rng.random() < share}
    return frozenset(spoken or {"English"})


def _slots(rng: np.random.Generator, low: int, high: int) -> frozenset[str]:
    codes = [f"{d}-{p}" for d in DAYS for p in PARTS_OF_DAY]
    weights = np.array([PART_WEIGHTS[c.split("-")[1]] * (1.5 if c[:3] in ("sat", "sun") else 1.0) for c in codes])
    return _pick(rng, codes, low, high, weights / weights.sum())


def _text(rng: np.random.Generator) -> str:
    # Zipf-like word choice: a few common themes, a long tail of specific ones.
    ranks = np.arange(1, len(TEXT_WORDS) + 1)
    p = 1.0 / ranks**0.8
    words = rng.choice(TEXT_WORDS, size=int(rng.integers(6, 16)), p=p / p.sum())
    return " ".join(words.tolist())


def synthetic_youth(n: int, seed: int = 0) -> list[Youth]:
    """``n`` youth applicants with realistic shares of preferences and constraints."""
    rng = np.random.default_rng(seed)
    youth = []
    for i in range(n):
        gender = str(rng.choice(GENDERS, p=[0.45, 0.5, 0.05]))
        languages = _languages(rng)
        other = sorted(languages - {"English"})
        youth.append(
            Youth(
                id=f"y{i}",
                age=int(rng.integers(14, 21)),
                gender=gender,
                languages=languages,
                interests=_pick(rng, INTERESTS, 1, 5),
                text=_text(rng),
                slots=_slots(rng, 2, 7),
                zip=str(rng.choice(SACRAMENTO_ZIPS)),
                programs=frozenset({str(rng.choice(PROGRAMS, p=[0.7, 0.2, 0.1]))}),
                mentor_gender_preference=gender if gender != "nonbinary" and rng.random() < 0.2 else None,
                required_language=str(rng.choice(other)) if other and rng.random() < 0.1 else None,
                max_travel_miles=float(rng.choice([5, 10, 15, 25])) if rng.random() < 0.3 else None,
                days_waiting=int(rng.integers(0, 366)),
            )
        )
    return youth


def synthetic_mentors(m: int, capacity: int = 5, seed: int = 1) -> list[Mentor]:
    """``m`` mentors, most cleared, each able to take ``capacity`` mentees in total."""
    rng = np.random.default_rng(seed)
    mentors = []
    for j in range(m):
        programs = {str(rng.choice(PROGRAMS, p=[0.7, 0.2, 0.1]))}
        if rng.random() < 0.3:
            programs.add(str(rng.choice(PROGRAMS)))
        mentors.append(
            Mentor(
                id=f"m{j}",
                age=int(rng.integers(23, 62)),
                gender=str(rng.choice(GENDERS, p=[0.35, 0.63, 0.02])),
                languages=_languages(rng),
                interests=_pick(rng, INTERESTS, 2, 6),
                text=_text(rng),
                slots=_slots(rng, 3, 9),
                zip=str(rng.choice(SACRAMENTO_ZIPS)),
                programs=frozenset(programs),
                capacity=capacity,
                active_mentees=int(rng.random() < 0.2),
                cleared=bool(rng.random() < 0.93),
                youth_experience_years=float(np.round(rng.gamma(2.0, 2.0), 1)),
            )
        )
    return mentors
