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
