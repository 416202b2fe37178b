"""Hypothesis strategies for small random cohorts that exercise every hard rule."""

from hypothesis import strategies as st

from matching import MatchConfig, Mentor, Youth

ZIPS = ["95814", "95823", "95630", ""]
SLOTS = ["tue-evening", "thu-evening", "sat-morning"]
LANGUAGES = ["English", "Spanish", "Hmong"]
TAGS = ["robotics", "K9", "soccer", "art"]


@st.composite
def cohorts(draw):
    n = draw(st.integers(0, 7))
    m = draw(st.integers(1, 4))
    youth = [
        Youth(
            id=f"y{i}",
            age=draw(st.integers(14, 20)),
            gender=draw(st.sampled_from(["female", "male", "nonbinary"])),
            languages=frozenset(draw(st.sets(st.sampled_from(LANGUAGES), min_size=1))),
            interests=frozenset(draw(st.sets(st.sampled_from(TAGS)))),
            text=draw(st.sampled_from(["forensics career", "soccer and college", "", "robotics club"])),
            slots=frozenset(draw(st.sets(st.sampled_from(SLOTS), min_size=1))),
            zip=draw(st.sampled_from(ZIPS)),
            programs=frozenset({draw(st.sampled_from(["explorers", "cadets"]))}),
            mentor_gender_preference=draw(st.sampled_from([None, None, "female", "male"])),
            required_language=draw(st.sampled_from([None, None, None, "Spanish"])),
            max_travel_miles=draw(st.sampled_from([None, None, 5.0, 30.0])),
            days_waiting=draw(st.integers(0, 400)),
        )
        for i in range(n)
    ]
    mentors = []
    for j in range(m):
        capacity = draw(st.integers(0, 3))
        mentors.append(
            Mentor(
                id=f"m{j}",
                age=draw(st.sampled_from([None, 25, 40])),
                gender=draw(st.sampled_from(["female", "male"])),
                languages=frozenset(draw(st.sets(st.sampled_from(LANGUAGES), min_size=1))),
                interests=frozenset(draw(st.sets(st.sampled_from(TAGS)))),
                text=draw(st.sampled_from(["detective forensics", "coach soccer", "", "engineer robotics"])),
                slots=frozenset(draw(st.sets(st.sampled_from(SLOTS), min_size=1))),
                zip=draw(st.sampled_from(ZIPS)),
                programs=frozenset(draw(st.sets(st.sampled_from(["explorers", "cadets"]), min_size=1))),
                capacity=capacity,
                active_mentees=draw(st.integers(0, capacity)),
                cleared=draw(st.booleans()),
                youth_experience_years=draw(st.floats(0, 10)),
            )
        )
    blocked = draw(st.sets(st.tuples(st.sampled_from([y.id for y in youth] or ["none"]), st.sampled_from([m.id for m in mentors]))))
    config = MatchConfig(
        require_shared_slot=draw(st.booleans()),
        do_not_match=frozenset(blocked),
        wait_priority_weight=draw(st.sampled_from([0.0, 0.1, 0.5])),
    )
    return youth, mentors, config


@st.composite
def additive_models(draw):
    """A random learned model: random shapes (monotone where the feature demands) and tag weights."""
    from matching.additive import AdditiveModel, Calibration, Shape, TagShape
    from matching.pairfeatures import NUMERIC_FEATURES, TAG_FEATURES

    numbers = st.floats(-2.0, 2.0, allow_nan=False, width=32)
    chosen = draw(st.lists(st.sampled_from(NUMERIC_FEATURES), min_size=1, max_size=8, unique=True))
    shapes = []
    for spec in chosen:
        knots = sorted(draw(st.sets(st.integers(0, 60), min_size=1, max_size=5)))
        scale = 60.0 if spec.name in ("miles", "age_gap", "days_waiting", "mentor_experience_years") else 10.0
        if spec.name.endswith(("jaccard", "covered", "cosine", "similarity")) or spec.name == "mentor_track_record":
            scale = 0.01
        values = draw(st.lists(numbers, min_size=len(knots), max_size=len(knots)))
        if spec.monotone:
            values = sorted(values, reverse=spec.monotone < 0)
        shapes.append(Shape(spec.name, tuple(k * scale for k in knots), tuple(values), draw(numbers)))
    tags = []
    for feature in draw(st.lists(st.sampled_from(sorted(TAG_FEATURES)), max_size=3, unique=True)):
        weights = {t.casefold(): draw(numbers) for t in draw(st.sets(st.sampled_from(TAGS), min_size=1))}
        if feature == "interests_shared_tags":
            weights = {t: abs(w) for t, w in weights.items()}
        low = min(0.0, sum(w for w in weights.values() if w < 0))
        high = max(0.0, sum(w for w in weights.values() if w > 0))
        tags.append(TagShape(feature, tuple(sorted(weights.items())), low, high))
    return AdditiveModel(
        intercept=draw(numbers),
        shapes=tuple(shapes),
        tags=tuple(tags),
        track_record_prior=draw(st.floats(0.05, 0.95)),
        n_outcomes=0,
        n_lasted=0,
        calibration=Calibration((), (), ()),
    )


@st.composite
def learned_cohorts(draw):
    """A random cohort (with mentors' track records) scored by a random learned model."""
    from dataclasses import replace

    youth, mentors, config = draw(cohorts())
    mentors = [
        Mentor(**{**m.__dict__, "matches_lasted": draw(st.integers(0, 6)), "matches_closed_early": draw(st.integers(0, 6))})
        for m in mentors
    ]
    return youth, mentors, replace(config, model=draw(additive_models()))
