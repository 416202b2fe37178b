"""The learned outcome model: scores that split into reasons, monotone shapes, safe storage, honest learning."""

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import REASON_CODES, MatchConfig, Mentor, Youth, learn_weights, propose, reason_text, score
from matching.additive import MIN_OUTCOMES_FOR_CHANCE, AdditiveModel, ModelFormatError
from matching.learning import _folds
from matching.pairfeatures import track_record
from matching.synthetic import synthetic_mentors, synthetic_youth
from tests.unit.matching.matching_builders import ELK_GROVE, MIDTOWN, make_mentor, make_youth
from tests.unit.matching.strategies import learned_cohorts

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def planted_history(n_pairs=900, seed=0, n_youth=200, n_mentors=60):
    """Closed matches that last more often with coverage of the youth's interests and a good mentor record."""
    rng = np.random.default_rng(seed)
    youth = synthetic_youth(n_youth, seed=seed)
    lasted, closed = rng.integers(0, 6, n_mentors), rng.integers(0, 6, n_mentors)
    mentors = [
        replace(m, matches_lasted=int(a), matches_closed_early=int(c))
        for m, a, c in zip(synthetic_mentors(n_mentors, seed=seed + 1), lasted, closed)
    ]
    i, j = rng.integers(0, n_youth, n_pairs), rng.integers(0, n_mentors, n_pairs)
    covered = np.array([
        len({t.casefold() for t in youth[a].interests} & {t.casefold() for t in mentors[b].interests})
        / len(youth[a].interests)
        for a, b in zip(i, j)
    ])  # fmt: skip
    logit = -1.5 + 4.0 * covered + 0.6 * (lasted[j] - closed[j])
    outcomes = (rng.random(n_pairs) < 1 / (1 + np.exp(-logit))).astype(int)
    return youth, mentors, [(youth[a].id, mentors[b].id) for a, b in zip(i, j)], outcomes


@pytest.fixture(scope="module")
def learned():
    youth, mentors, pairs, outcomes = planted_history()
    config, report = learn_weights(youth, mentors, pairs, outcomes, MatchConfig(), cv=4)
    return youth, mentors, config, report


def test_learning_recovers_planted_coverage_and_track_record_effects(learned):
    _, _, config, report = learned
    assert report.auc_learned > report.auc_default + 0.1
    assert report.auc_learned > report.auc_reweighted
    shapes = {row.feature: row for row in report.shapes}
    assert {"interests_youth_covered", "mentor_track_record"} <= set(shapes)
    track = shapes["mentor_track_record"]
    assert track.contributions[-1] - track.contributions[0] > 1.0
    assert report.brier_learned < report.brier_base_rate
    assert config.model is not None and report.model_id == config.model.id


def test_the_report_is_plain_json_with_shapes_calibration_and_fairness(learned):
    _, _, _, report = learned
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert {"auc_learned", "auc_default", "weights_before", "weights_after", "shapes", "calibration", "fairness"} <= set(data)
    assert sum(row["pairs"] for row in data["calibration"]) == report.n_pairs
    assert {row["attribute"] for row in data["fairness"]} == {"gender", "language", "age_band"}
    for row in data["shapes"]:
        assert len(row["points"]) == len(row["contributions"])
        if row["monotone"] == 1 and row["kind"] == "numeric":
            assert row["contributions"] == sorted(row["contributions"])


def test_a_learned_score_is_the_sum_of_its_reasons_and_reasons_are_structured(learned):
    youth, mentors, config, _ = learned
    scores = score(youth[:20], mentors[:10], config)
    for i in range(20):
        for j in range(10):
            reasons = scores.reasons(i, j)
            assert sum(r.contribution for r in reasons) == pytest.approx(scores.similarity[i, j], abs=1e-9)
            assert 0.0 <= scores.similarity[i, j] <= 1.0
            for reason in reasons:
                assert reason.code == f"learned.{reason.factor}" and reason.code in REASON_CODES
                assert json.loads(json.dumps(reason.data)) == reason.data
                assert reason_text(reason.code, reason.data) == reason.text
                assert sum(reason.data["parts"].values()) == pytest.approx(reason.contribution, abs=1e-12)
                assert set(reason.data["parts"]) <= set(scores.factor_names)


def test_a_run_records_which_model_scored_it_and_the_config_round_trips(learned):
    youth, mentors, config, _ = learned
    result = propose(youth, mentors, config)
    assert result.model_id == config.model.id
    assert propose(youth, mentors).model_id is None
    stored = json.loads(json.dumps(config.to_dict()))
    assert stored["model"]["format"] == "mentormatch.additive/1"
    assert MatchConfig.from_dict(stored) == config
    assert "model" not in MatchConfig().to_dict()


def test_the_chance_of_lasting_needs_enough_history(learned):
    youth, mentors, config, report = learned
    result = propose(youth, mentors, config)
    proposal = result.proposals[0]
    chance = result.lasting_chance(proposal.youth_id)
    assert report.n_pairs >= MIN_OUTCOMES_FOR_CHANCE
    assert 0.0 <= chance.low <= chance.observed <= chance.high <= 1.0 and chance.similar > 0
    assert chance.probability == pytest.approx(float(config.model.probability(proposal.score)))
    few = replace(config, model=replace(config.model, n_outcomes=MIN_OUTCOMES_FOR_CHANCE - 1))
    assert propose(youth, mentors, few).lasting_chance(proposal.youth_id) is None
    assert propose(youth, mentors).lasting_chance(proposal.youth_id) is None


OVERLAP = ("_shared", "_jaccard", "_youth_covered", "_mentor_covered", "_cosine", "_shared_tags")


@settings(max_examples=60, **SETTINGS)
@given(learned_cohorts(), st.data())
def test_more_shared_interests_never_lower_and_more_miles_never_raise_a_score(cohort, data):
    youth, mentors, config = cohort
    config = replace(config, require_shared_slot=False)
    mentor = replace(mentors[0], zip="95814")
    base = make_youth(id="y", interests=frozenset({"art"}), zip="95814")
    tag = data.draw(st.sampled_from(sorted(mentor.interests - {"art"}) or ["robotics"]))
    mentor = replace(mentor, interests=mentor.interests | {tag})
    # The same list sizes on both sides, one more interest shared: every overlap
    # feature's part can only grow (what each side lists is read by other features).
    more = replace(base, id="more", interests=base.interests | {tag})
    fewer = replace(base, id="fewer", interests=base.interests | {"zz-only-youth"})
    scores = score([more, fewer], [mentor], config)
    overlap = [sum(v for k, v in scores.contributions(i, 0).items() if k.endswith(OVERLAP)) for i in (0, 1)]
    assert overlap[0] >= overlap[1] - 1e-9
    near, far = replace(mentor, id="near", zip=MIDTOWN), replace(mentor, id="far", zip=ELK_GROVE)
    by_place = score([more], [near, far], config).similarity[0]
    assert by_place[0] >= by_place[1] - 1e-9


@given(st.integers(0, 50), st.integers(0, 50), st.floats(0.01, 0.99))
def test_a_new_mentor_reads_as_a_mentor_with_an_average_record(lasted, closed, prior):
    assert track_record(0, 0, prior) == 0.0
    if lasted + closed:
        at_rate = track_record(lasted, closed, lasted / (lasted + closed))
        assert at_rate == pytest.approx(0.0, abs=1e-12)
        assert track_record(lasted + 1, closed, prior) > track_record(lasted, closed, prior)


def test_a_new_mentor_gets_the_neutral_track_record_part(learned):
    youth, mentors, config, _ = learned
    new = replace(mentors[0], id="new", matches_lasted=0, matches_closed_early=0)
    scores = score(youth[:1], [new], config)
    shape = next(s for s in config.model.shapes if s.feature == "mentor_track_record")
    expected = (shape.evaluate(np.zeros(1))[0] - shape.low) / config.model.span
    assert scores.contributions(0, 0)["mentor_track_record"] == pytest.approx(expected)
    reason = next(r for r in scores.reasons(0, 0) if r.factor == "track_record")
    assert reason.text == "New mentor: no closed matches yet"


def test_learning_works_when_profiles_list_only_interests():
    rng = np.random.default_rng(3)
    tags = [f"tag{t}" for t in range(30)]
    youth = [Youth(id=f"y{i}", age=16, interests=frozenset(rng.choice(tags, 4, replace=False))) for i in range(150)]
    mentors = [Mentor(id=f"m{j}", interests=frozenset(rng.choice(tags, 6, replace=False))) for j in range(40)]
    pairs = [(f"y{i}", f"m{j}") for i, j in zip(rng.integers(0, 150, 800), rng.integers(0, 40, 800))]
    shared = np.array([len(youth[int(y[1:])].interests & mentors[int(m[1:])].interests) for y, m in pairs])
    outcomes = (rng.random(800) < 1 / (1 + np.exp(-(-1.5 + 1.5 * shared)))).astype(int)
    config, report = learn_weights(youth, mentors, pairs, outcomes, MatchConfig(), cv=4)
    assert report.auc_learned > 0.7
    assert all(name.startswith("interests") for name in config.model.features)


def test_grouped_folds_never_split_a_mentor():
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 30, 500)
    y = rng.integers(0, 2, 500)
    for train, test in _folds(y, groups, 5, 0):
        assert not set(groups[train]) & set(groups[test])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="pickle"), "format"),
        (lambda d: d["shapes"][0].update(feature="shoe_size"), "shapes[0].feature"),
        (lambda d: d["shapes"][0].update(knots=[3.0, 1.0][: len(d["shapes"][0]["knots"])] * 2), "shapes[0]"),
        (lambda d: d.update(intercept="high"), "intercept"),
        (lambda d: d.update(id="000000000000"), "id"),
        (lambda d: d.update(extra=1), "unknown fields"),
        (lambda d: d["calibration"].update(pairs=[1]), "calibration"),
    ],
)
def test_stored_models_are_validated_with_errors_naming_the_field(learned, change, message):
    data = json.loads(json.dumps(learned[2].model.to_dict()))
    change(data)
    with pytest.raises(ModelFormatError, match=message.replace("[", r"\[").replace("]", r"\]")):
        AdditiveModel.from_dict(data)


def test_stored_models_round_trip_exactly(learned):
    model = learned[2].model
    assert AdditiveModel.from_dict(json.loads(json.dumps(model.to_dict()))) == model
