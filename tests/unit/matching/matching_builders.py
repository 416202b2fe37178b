"""Keyword builders for matching-engine test profiles: sensible defaults, override what matters."""

from matching import Mentor, Youth

DOWNTOWN, MIDTOWN, ELK_GROVE = "95814", "95816", "95758"


def make_youth(**overrides) -> Youth:
    values = dict(
        id="y1",
        age=15,
        gender="female",
        languages=frozenset({"English"}),
        interests=frozenset({"robotics"}),
        text="I want to study forensics and join the explorers",
        slots=frozenset({"tue-evening"}),
        zip=DOWNTOWN,
        programs=frozenset({"explorers"}),
        days_waiting=10,
    )
    values.update(overrides)
    return Youth(**values)


def make_mentor(**overrides) -> Mentor:
    values = dict(
        id="m1",
        age=35,
        gender="male",
        languages=frozenset({"English"}),
        interests=frozenset({"robotics"}),
        text="Forensics detective, ten years coaching explorers",
        slots=frozenset({"tue-evening"}),
        zip=DOWNTOWN,
        programs=frozenset({"explorers"}),
        capacity=2,
        active_mentees=0,
        cleared=True,
        youth_experience_years=4.0,
    )
    values.update(overrides)
    return Mentor(**values)
