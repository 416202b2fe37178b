"""Structured reasons: every reason, exclusion and unmatched youth has a documented code and JSON data
from which its English sentence is written."""

import json

import pytest
from hypothesis import HealthCheck, given, settings

from matching import (
    REASON_CODES,
    RULES,
    UNMATCHED_CODES,
    MatchConfig,
    Reason,
    exclusion_text,
    propose,
    reason_text,
    score,
    unmatched_text,
)
from tests.unit.matching.matching_builders import DOWNTOWN, ELK_GROVE, MIDTOWN, make_mentor, make_youth
from tests.unit.matching.strategies import cohorts


def json_round_trip(data: dict) -> dict:
    return json.loads(json.dumps(data, allow_nan=False))


def assert_reason_is_structured(reason: Reason) -> None:
    assert reason.code in REASON_CODES and reason.code != "legacy"
    assert reason.code.split(".")[0] == reason.factor
    assert json_round_trip(reason.data) == reason.data
    assert reason_text(reason.code, reason.data) == reason.text
    assert Reason.from_dict(json_round_trip(reason.to_dict())) == reason


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_every_reason_exclusion_and_unmatched_youth_has_a_code_and_json_data(cohort):
    youth, mentors, config = cohort
    scores = score(youth, mentors, config)
    for i in range(len(youth)):
        for j in range(len(mentors)):
            for reason in scores.reasons(i, j):
                assert_reason_is_structured(reason)
            exclusion = scores.excluded_by(i, j)
            if exclusion is not None:
                assert exclusion.code == exclusion.rule and exclusion.code in RULES
                assert json_round_trip(exclusion.to_dict()) == exclusion.to_dict()
                assert exclusion_text(exclusion.code, exclusion.data) == exclusion.text
    result = propose(youth, mentors, config)
    for proposal in result.proposals:
        for reason in proposal.reasons:
            assert_reason_is_structured(reason)
    for unmatched in result.unmatched:
        assert unmatched.code in UNMATCHED_CODES
        assert json_round_trip(unmatched.to_dict()) == unmatched.to_dict()
        assert unmatched_text(unmatched.code, unmatched.data) == unmatched.reason
        if unmatched.code == "no_feasible":
            assert unmatched.data["conditions"] and set(unmatched.data["conditions"]) <= set(RULES)


def test_pair_reasons_carry_their_values_for_any_language():
    youth = make_youth(
        interests=frozenset({"robotics", "K9", "art"}),
        languages=frozenset({"English", "Spanish"}),
        slots=frozenset({"sat-morning", "thu-evening", "tue-evening"}),
        zip=DOWNTOWN,
    )
    mentor = make_mentor(
        interests=frozenset({"Robotics", "k9"}),
        languages=frozenset({"spanish"}),
        slots=frozenset({"tue-evening", "thu-evening", "sat-morning"}),
        zip=MIDTOWN,
    )
    reasons = {r.factor: r for r in score([youth], [mentor]).reasons(0, 0)}
    assert (reasons["interests"].code, reasons["interests"].data) == ("interests.shared", {"shared": ["K9", "robotics"]})
    assert (reasons["languages"].code, reasons["languages"].data) == ("languages.shared", {"languages": ["Spanish"]})
    assert reasons["availability"].code == "availability.shared"
    assert reasons["availability"].data == {"slots": ["tue-evening", "thu-evening", "sat-morning"]}
    assert reasons["availability"].text == "Share Sat morning, Tue and Thu evenings"
    assert reasons["distance"].code == "distance.miles"
    assert reasons["distance"].text == f"{reasons['distance'].data['miles']:.1f} miles apart"
    assert reasons["text"].code == "text.shared" and "forensics" in reasons["text"].data["terms"]
    assert (reasons["experience"].code, reasons["experience"].data) == ("experience.years", {"years": 4.0, "age_gap": 20})


@pytest.mark.parametrize(
    ("youth_overrides", "mentor_overrides", "factor", "code", "data", "text"),
    [
        ({}, {"interests": frozenset({"art"})}, "interests", "interests.none", {}, "No shared interests"),
        ({}, {"text": ""}, "text", "text.none", {}, "Goals and experience have no words in common"),
        ({}, {"languages": frozenset({"Hmong"})}, "languages", "languages.none", {}, "No shared language"),
        ({}, {"slots": frozenset({"sat-morning"})}, "availability", "availability.none", {}, "No shared time slots"),
        ({}, {}, "distance", "distance.same_zip", {"zip": DOWNTOWN}, f"Same ZIP code ({DOWNTOWN})"),
        ({"zip": ""}, {}, "distance", "distance.unknown", {}, "Distance unknown (ZIP code not found)"),
        ({}, {"youth_experience_years": 0.0}, "experience", "experience.new", {"age_gap": 20},
         "New to mentoring youth, 20 years older"),
        ({}, {"age": None, "youth_experience_years": 2.5}, "experience", "experience.years",
         {"years": 2.5, "age_gap": None}, "2.5 years with youth"),
    ],
)
def test_each_reason_variant_has_its_code_data_and_sentence(youth_overrides, mentor_overrides, factor, code, data, text):
    config = MatchConfig(require_shared_slot=False)
    reasons = {r.factor: r for r in score([make_youth(**youth_overrides)], [make_mentor(**mentor_overrides)], config).reasons(0, 0)}
    assert (reasons[factor].code, reasons[factor].data, reasons[factor].text) == (code, data, text)


@pytest.mark.parametrize(
    ("youth_overrides", "mentor_overrides", "config", "data", "text"),
    [
        ({}, {"programs": frozenset({"cadets"})}, MatchConfig(), {"programs": ["explorers"]},
         "Mentor is not in any of the youth's programs"),
        ({}, {"capacity": 2, "active_mentees": 2}, MatchConfig(), {"capacity": 2, "active": 2},
         "Mentor has no free place (2 of 2 taken)"),
        ({"mentor_gender_preference": "female"}, {}, MatchConfig(), {"wanted": "female"},
         "Youth asked for a female mentor"),
        ({"required_language": "Hmong"}, {}, MatchConfig(), {"language": "Hmong"}, "Mentor does not speak Hmong"),
        ({"zip": "00000", "max_travel_miles": 5.0}, {}, MatchConfig(), {"unknown_zip": True, "limit": 5.0},
         "ZIP code unknown, so the 5-mile limit can't be checked"),
        ({}, {"cleared": False}, MatchConfig(), {}, "Mentor is not cleared"),
        ({}, {}, MatchConfig(do_not_match=frozenset({("y1", "m1")})), {}, "A coordinator marked this pair do not match"),
    ],
)
def test_each_exclusion_carries_its_values(youth_overrides, mentor_overrides, config, data, text):
    exclusion = score([make_youth(**youth_overrides)], [make_mentor(**mentor_overrides)], config).excluded_by(0, 0)
    assert (exclusion.data, exclusion.text) == (data, text)
    assert exclusion.to_dict()["code"] == exclusion.rule


def test_a_distance_exclusion_carries_miles_rounded_and_the_limit():
    exclusion = score([make_youth(max_travel_miles=5.0)], [make_mentor(zip=ELK_GROVE)]).excluded_by(0, 0)
    assert exclusion.code == "distance"
    assert set(exclusion.data) == {"miles", "limit"} and exclusion.data["limit"] == 5.0
    assert exclusion.data["miles"] == round(exclusion.data["miles"], 1) > 5.0
    assert exclusion.text == f"{exclusion.data['miles']:.1f} miles apart, over the 5-mile limit"


def test_unmatched_youth_carry_the_conditions_that_left_no_mentor():
    youth = make_youth(required_language="Hmong", max_travel_miles=15.0)
    mentors = [
        make_mentor(id="near-spanish", languages=frozenset({"Spanish"})),
        make_mentor(id="near-hmong-not-cleared", languages=frozenset({"Hmong"}), cleared=False),
        make_mentor(id="far-hmong", languages=frozenset({"Hmong"}), zip="96001"),
    ]
    unmatched = propose([youth], mentors).unmatched[0]
    assert unmatched.code == "no_feasible"
    assert unmatched.data == {"conditions": ["cleared", "language", "distance"], "language": "Hmong", "limit": 15.0}
    assert unmatched.reason == "No cleared mentor who speaks Hmong within 15 miles"


@pytest.mark.parametrize(
    ("youth", "mentors", "code", "data", "reason"),
    [
        ([make_youth()], [], "no_mentors", {}, "No mentors in this run"),
        ([make_youth(zip="00000", max_travel_miles=5.0)], [make_mentor()], "unknown_zip",
         {"zip": "00000", "limit": 5.0}, "ZIP code 00000 is unknown, so the 5-mile travel limit can't be checked"),
        ([make_youth(zip="", max_travel_miles=5.0)], [make_mentor()], "unknown_zip",
         {"zip": "", "limit": 5.0}, "No ZIP code was given, so the 5-mile travel limit can't be checked"),
        ([make_youth(id="a", days_waiting=300), make_youth(id="b", days_waiting=0)], [make_mentor(capacity=1)],
         "competition", {"feasible_mentors": 1}, "The only feasible mentor was filled by a closer fit"),
        ([make_youth(programs=frozenset({"cadets"}), mentor_gender_preference="female")], [make_mentor()],
         "no_feasible", {"conditions": ["program"], "programs": ["cadets"]}, "No mentor in cadets"),
    ],
)
def test_each_unmatched_code_carries_its_values(youth, mentors, code, data, reason):
    unmatched = propose(youth, mentors).unmatched[-1]
    assert (unmatched.code, unmatched.data, unmatched.reason) == (code, data, reason)


def test_reason_from_dict_reads_rows_stored_before_codes_existed():
    old = {"factor": "interests", "label": "Shared interests", "contribution": 0.3, "text": "Both into K9"}
    reason = Reason.from_dict(old)
    assert (reason.code, reason.data, reason.text) == ("legacy", {}, "Both into K9")
    assert Reason.from_dict(reason.to_dict()) == reason
