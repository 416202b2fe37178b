"""Example tests: hard rules, reasons in words, unmatched reasons, alternatives, validation, config."""

import numpy as np
import pytest
from tests.unit.matching.matching_builders import DOWNTOWN, ELK_GROVE, MIDTOWN, make_mentor, make_youth
from scipy.optimize import linear_sum_assignment

from matching import MatchConfig, ProfileError, propose, score
from matching.synthetic import synthetic_mentors, synthetic_youth


@pytest.mark.parametrize(
    ("rule", "youth_overrides", "mentor_overrides", "config"),
    [
        ("program", {}, {"programs": frozenset({"cadets"})}, MatchConfig()),
        ("cleared", {}, {"cleared": False}, MatchConfig()),
        ("capacity", {}, {"capacity": 2, "active_mentees": 2}, MatchConfig()),
        ("gender", {"mentor_gender_preference": "female"}, {"gender": "male"}, MatchConfig()),
        ("language", {"required_language": "Hmong"}, {}, MatchConfig()),
        ("distance", {"max_travel_miles": 5.0}, {"zip": ELK_GROVE}, MatchConfig()),
        ("distance", {}, {"zip": ELK_GROVE}, MatchConfig(default_max_travel_miles=5.0)),
        ("distance", {"max_travel_miles": 5.0, "zip": "00000"}, {}, MatchConfig()),
        ("availability", {}, {"slots": frozenset({"sat-morning"})}, MatchConfig()),
        ("do_not_match", {}, {}, MatchConfig(do_not_match=frozenset({("y1", "m1")}))),
    ],
)
def test_each_hard_rule_excludes_the_pair_and_names_itself(rule, youth_overrides, mentor_overrides, config):
    youth, mentor = make_youth(**youth_overrides), make_mentor(**mentor_overrides)
    scores = score([youth], [mentor], config)
    assert not scores.feasible[0, 0]
    assert scores.excluded_by(0, 0).rule == rule
    assert scores.excluded_by(0, 0).text
    result = propose([youth], [mentor], config)
    assert result.proposals == []
    assert result.check() == []


def test_shared_slot_rule_can_be_switched_off():
    youth, mentor = make_youth(), make_mentor(slots=frozenset({"sat-morning"}))
    assert score([youth], [mentor], MatchConfig(require_shared_slot=False)).feasible[0, 0]


def test_a_feasible_pair_has_no_exclusion_and_contributions_sum_to_its_score():
    scores = score([make_youth()], [make_mentor()])
    assert scores.excluded_by(0, 0) is None
    assert sum(scores.contributions(0, 0).values()) == pytest.approx(scores.similarity[0, 0])
    assert 0.0 < scores.similarity[0, 0] <= 1.0


def test_the_first_failing_rule_in_order_is_named():
    mentor = make_mentor(cleared=False, programs=frozenset({"cadets"}), slots=frozenset({"sat-morning"}))
    assert score([make_youth()], [mentor]).excluded_by(0, 0).rule == "program"


def test_reasons_read_in_plain_words():
    youth = make_youth(
        interests=frozenset({"robotics", "K9", "art"}),
        languages=frozenset({"English", "Spanish"}),
        slots=frozenset({"tue-evening", "thu-evening", "sat-morning"}),
        zip=DOWNTOWN,
    )
    mentor = make_mentor(
        interests=frozenset({"Robotics", "K9"}),
        languages=frozenset({"Spanish"}),
        slots=frozenset({"tue-evening", "thu-evening"}),
        zip=MIDTOWN,
    )
    result = propose([youth], [mentor])
    texts = {r.factor: r.text for r in result.proposals[0].reasons}
    assert texts["interests"] == "Both into K9 and robotics"
    assert texts["languages"] == "Both speak Spanish"
    assert texts["availability"] == "Share Tue and Thu evenings"
    assert texts["distance"].endswith(" miles apart")
    assert 1.0 < float(texts["distance"].split()[0]) < 4.0
    assert "forensics" in texts["text"]
    assert texts["experience"] == "4 years with youth, 20 years older"
    assert sum(r.contribution for r in result.proposals[0].reasons) == pytest.approx(result.proposals[0].score)


def test_unmatched_youth_hears_which_conditions_left_no_mentor():
    youth = make_youth(required_language="Hmong", max_travel_miles=15.0)
    mentors = [
        make_mentor(id="near-spanish", languages=frozenset({"Spanish"})),
        make_mentor(id="near-hmong-not-cleared", languages=frozenset({"Hmong"}), cleared=False),
        make_mentor(id="far-hmong", languages=frozenset({"Hmong"}), zip="96001"),
    ]
    result = propose([youth], mentors)
    assert result.unmatched[0].reason == "No cleared mentor who speaks Hmong within 15 miles"


def test_unmatched_youth_hears_when_feasible_mentors_went_to_closer_fits():
    mentors = [make_mentor(id="m1", capacity=1), make_mentor(id="m2", capacity=1)]
    youth = [
        make_youth(id="close1"),
        make_youth(id="close2"),
        make_youth(id="far", interests=frozenset({"art"}), text="", days_waiting=0),
    ]
    result = propose(youth, mentors)
    assert {p.youth_id for p in result.proposals} == {"close1", "close2"}
    assert result.unmatched[0].reason == "All 2 feasible mentors were filled by closer fits"


def test_wait_priority_favours_the_longest_waiting_youth_when_mentors_are_scarce():
    youth = [make_youth(id="new", days_waiting=0), make_youth(id="waited", days_waiting=300)]
    result = propose(youth, [make_mentor(capacity=1)])
    assert [p.youth_id for p in result.proposals] == ["waited"]


def test_alternatives_are_ranked_feasible_mentors_with_the_chosen_one_marked():
    youth = make_youth()
    mentors = [
        make_mentor(id="best"),
        make_mentor(id="good", interests=frozenset({"art"})),
        make_mentor(id="far", interests=frozenset({"art"}), zip=ELK_GROVE),
        make_mentor(id="excluded", cleared=False),
    ]
    result = propose([youth], mentors)
    alternatives = result.alternatives("y1", k=5)
    assert [a.mentor_id for a in alternatives] == ["best", "good", "far"]
    assert [a.chosen for a in alternatives] == [True, False, False]
    assert alternatives[0].score >= alternatives[1].score >= alternatives[2].score
    assert len(result.alternatives("y1", k=2)) == 2
    with pytest.raises(KeyError):
        result.alternatives("nobody")


def test_blocking_pairs_counts_pairs_that_prefer_each_other():
    youth = [make_youth(id="a"), make_youth(id="b", interests=frozenset({"art"}))]
    result = propose(youth, [make_mentor(capacity=2)])
    assert result.blocking_pairs() == 0


@pytest.mark.parametrize(
    ("builder", "field", "value"),
    [
        (make_youth, "age", "fifteen"),
        (make_youth, "age", 3),
        (make_youth, "slots", frozenset({"tuesday"})),
        (make_youth, "zip", "958"),
        (make_youth, "languages", "English"),
        (make_youth, "max_travel_miles", -1.0),
        (make_youth, "days_waiting", -2),
        (make_youth, "programs", "explorers"),
        (make_mentor, "capacity", -1),
        (make_mentor, "cleared", "yes"),
        (make_mentor, "youth_experience_years", float("nan")),
        (make_mentor, "interests", frozenset({3})),
    ],
)
def test_invalid_profiles_raise_profile_error_naming_field_and_id(builder, field, value):
    with pytest.raises(ProfileError) as error:
        builder(id="p-7", **{field: value})
    assert field in str(error.value)
    assert "p-7" in str(error.value)


def test_duplicate_ids_are_refused_at_the_engine_boundary():
    with pytest.raises(ProfileError, match="y1"):
        propose([make_youth(), make_youth()], [make_mentor()])


def test_config_round_trips_through_plain_data():
    config = MatchConfig(weight_distance=0.5, default_max_travel_miles=20.0, do_not_match=frozenset({("y1", 3)}))
    assert MatchConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError):
        MatchConfig.from_dict({"weight_colour": 1.0})
    with pytest.raises(ValueError):
        MatchConfig(weight_text=-1.0)


@pytest.mark.parametrize("reserve", [0, 3, 96])
def test_pruning_that_bites_still_gives_the_dense_optimum(reserve):
    youth, mentors = synthetic_youth(120, seed=3), synthetic_mentors(15, capacity=3, seed=4)
    config = MatchConfig(wait_priority_weight=0.0)
    result = propose(youth, mentors, config, candidates=1, reserve=reserve, chunk_size=16, mentor_candidates=0)
    assert result.certificate["rounds"] > 1
    assert result.certificate["pairs_added"] > 0
    dense = score(youth, mentors, config)
    slots = np.repeat(np.arange(len(mentors)), [m.free_capacity for m in mentors])
    weight = np.where(dense.feasible, dense.similarity, 0.0)[:, slots]
    rows, cols = linear_sum_assignment(weight, maximize=True)
    assert result.total_score == pytest.approx(weight[rows, cols].sum(), abs=1e-4)
    assert result.check() == []


@pytest.mark.parametrize("candidates", [32, 1])
def test_a_youth_whose_fits_all_score_zero_still_gets_a_free_place(candidates):
    config = MatchConfig(
        weight_interests=1.0,
        weight_text=0.0,
        weight_languages=0.0,
        weight_availability=0.0,
        weight_distance=0.0,
        weight_experience=0.0,
    )
    youth = [make_youth(id="zero", interests=frozenset({"art"}), days_waiting=0), make_youth(id="fan", days_waiting=0)]
    mentors = [make_mentor(id="m1", capacity=1), make_mentor(id="m2", capacity=1)]
    result = propose(youth, mentors, config, candidates=candidates)
    assert {p.youth_id for p in result.proposals} == {"zero", "fan"}
    assert result.unmatched == []
    assert result.objective == pytest.approx(1.0)


def test_a_run_without_mentors_or_without_youth_proposes_nothing():
    result = propose([make_youth()], [])
    assert result.proposals == []
    assert result.unmatched[0].reason == "No mentors in this run"
    assert propose([], [make_mentor()]).proposals == []
