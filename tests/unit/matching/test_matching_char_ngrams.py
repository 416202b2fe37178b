"""Character n-grams of the free texts as a learned feature; models stored before it still load and score."""

import json
from dataclasses import replace

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from matching import REASON_CODES, MatchConfig, propose, reason_text, score
from matching.additive import AdditiveModel, Calibration, Shape
from matching.features import FeatureModel
from matching.pairfeatures import CHAR_DIMENSIONS, NUMERIC_FEATURES, char_vectors, numeric_values
from matching.synthetic import synthetic_mentors, synthetic_youth
from tests.unit.matching.matching_builders import make_mentor, make_youth

# Written by the engine before text_char_similarity existed, with the scores it gave then
# (synthetic_youth(12, seed=5) against synthetic_mentors(6, seed=6), no shared-slot rule).
MODEL_BEFORE_CHAR_NGRAMS = json.loads(
    '{"format": "mentormatch.additive/1", "id": "fcd491e960fc", "intercept": -0.75, "shapes": [{"feature": '
    '"interests_youth_covered", "knots": [0.0, 0.5, 1.0], "values": [-0.25, 0.1, 0.5], "missing": 0.0}, '
    '{"feature": "text_similarity", "knots": [0.0, 0.125, 0.5], "values": [-0.1, 0.05, 0.3], "missing": 0.0}, '
    '{"feature": "miles", "knots": [0.0, 5.0, 20.0], "values": [0.2, 0.0, -0.4], "missing": -0.1}, {"feature": '
    '"mentor_track_record", "knots": [-0.2, 0.0, 0.2], "values": [-0.5, 0.0, 0.4], "missing": 0.0}], "tags": '
    '[{"feature": "interests_shared_tags", "weights": {"k9": 0.3, "robotics": 0.2}, "low": 0.0, "high": 0.5}], '
    '"track_record_prior": 0.4, "n_outcomes": 120, "n_lasted": 50, "calibration": {"edges": [-0.5, 0.0], '
    '"pairs": [40, 40, 40], "lasted": [10, 17, 23]}}'
)
SCORES_BEFORE = [
    [0.297190948435, 0.268969330401, 0.314876762016, 0.313074243891, 0.449022778273, 0.349330136984],
    [0.330633566451, 0.349206349206, 0.309423722672, 0.428387418628, 0.252689113247, 0.220059415711],
    [0.207136731268, 0.316140918016, 0.2860907282, 0.330976004798, 0.212286639889, 0.249451689499],
    [0.234928951461, 0.274879503194, 0.403621215682, 0.381143558115, 0.336867909476, 0.298894419019],
]
PROPOSALS_BEFORE = [
    ("y0", "m4", 0.449022778273), ("y1", "m0", 0.330633566451), ("y2", "m5", 0.249451689499),
    ("y3", "m4", 0.336867909476), ("y7", "m4", 0.296171641741), ("y9", "m2", 0.354480951645),
    ("y10", "m1", 0.296325155842), ("y11", "m1", 0.310501484496),
]  # fmt: skip


def char_model(on_grid: bool = True) -> AdditiveModel:
    knots = (0.0, 0.25, 0.5, 1.0) if on_grid else (0.0, 0.3, 0.71, 1.0)
    return AdditiveModel(
        intercept=-0.5,
        shapes=(
            Shape("text_similarity", (0.0, 0.5), (0.0, 0.4), 0.0),
            Shape("text_char_similarity", knots, (-0.3, 0.1, 0.6, 0.7), 0.0),
            Shape("interests_shared", (0.0, 1.0, 2.0), (0.0, 0.2, 0.3), 0.0),
        ),
        tags=(),
        track_record_prior=0.4,
        n_outcomes=0,
        n_lasted=0,
        calibration=Calibration((), (), ()),
    )


def test_a_model_stored_before_character_ngrams_still_loads_and_scores_as_it_did():
    model = AdditiveModel.from_dict(MODEL_BEFORE_CHAR_NGRAMS)
    assert model.id == "fcd491e960fc" and "text_char_similarity" not in model.features
    youth, mentors = synthetic_youth(12, seed=5), synthetic_mentors(6, seed=6)
    config = MatchConfig(require_shared_slot=False, model=model)
    scores = score(youth, mentors, config)
    np.testing.assert_allclose(scores.similarity[:4, :6], SCORES_BEFORE, atol=1e-11)
    result = propose(youth, mentors, config)
    assert [(p.youth_id, p.mentor_id) for p in result.proposals] == [(y, m) for y, m, _ in PROPOSALS_BEFORE]
    np.testing.assert_allclose([p.score for p in result.proposals], [s for _, _, s in PROPOSALS_BEFORE], atol=1e-11)
    for proposal in result.proposals:
        assert {r.code for r in proposal.reasons} <= set(REASON_CODES) - {"learned.wording"}
        assert sum(r.contribution for r in proposal.reasons) == pytest.approx(proposal.score, abs=1e-12)


def test_character_vectors_give_the_tfidf_cosine_of_character_ngrams_exactly_when_short():
    texts = ["Policing and police work downtown", "a police officer, K9 handler", "", "robotics club and coding",
             "robot builder; welding", "POLICE"]
    vectors = char_vectors(texts)
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    # More n-grams than CHAR_DIMENSIONS but fewer texts: the texts' own span, exact.
    assert reference.shape[1] > CHAR_DIMENSIONS >= len(texts)
    np.testing.assert_allclose(vectors @ vectors.T, (reference @ reference.T).toarray(), atol=1e-12)
    assert not vectors[2].any()
    # Few n-grams: the TF-IDF vectors themselves.
    small = ["ab cd", "ab", "cd ab ab"]
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(small)
    np.testing.assert_allclose(char_vectors(small), reference.toarray(), atol=1e-12)
    assert char_vectors(["", "  "]).tolist() == [[0.0], [0.0]]


def test_projected_character_vectors_keep_the_cosines_of_a_large_cohort():
    youth, mentors = synthetic_youth(1500, seed=2), synthetic_mentors(300, seed=3)
    texts = [p.text for p in youth + mentors]
    vectors = char_vectors(texts)
    assert vectors.shape == (len(texts), CHAR_DIMENSIONS)
    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, 1500, 2000), rng.integers(1500, 1800, 2000)
    exact = np.asarray(reference[i].multiply(reference[j]).sum(axis=1)).ravel()
    projected = np.einsum("pk,pk->p", vectors[i], vectors[j])
    assert np.corrcoef(exact, projected)[0, 1] > 0.97
    assert np.abs(exact - projected).mean() < 0.03
    assert np.array_equal(char_vectors(texts), vectors)


def test_related_words_meet_in_character_ngrams_where_words_do_not():
    youth = make_youth(text="policing careers")
    mentors = [make_mentor(id="near", text="police career"), make_mentor(id="far", text="gardening club")]
    cohort = FeatureModel([youth], mentors, MatchConfig())
    values = numeric_values(cohort, np.array([0, 0]), np.array([0, 1]), 0.4)
    column = {spec.name: f for f, spec in enumerate(NUMERIC_FEATURES)}
    word, char = (values[:, column[name]] for name in ("text_similarity", "text_char_similarity"))
    assert word.tolist() == [0.0, 0.0]
    assert char[0] > 0.3 and char[1] < char[0]


def test_the_weighted_score_never_builds_character_vectors():
    youth, mentors = synthetic_youth(40, seed=1), synthetic_mentors(10, seed=2)
    cohort = FeatureModel(youth, mentors, MatchConfig())
    cohort.objective_rows(np.arange(40))
    cohort.factor_pairs(np.arange(10), np.arange(10))
    assert cohort._text_char is None
    old = MatchConfig(model=AdditiveModel.from_dict(MODEL_BEFORE_CHAR_NGRAMS))
    assert FeatureModel(youth, mentors, old)._text_char is None


@pytest.mark.parametrize("on_grid", [True, False])
def test_a_character_ngram_model_scores_as_the_sum_of_its_reasons_with_a_wording_reason(on_grid):
    youth, mentors = synthetic_youth(60, seed=4), synthetic_mentors(15, seed=5)
    config = MatchConfig(require_shared_slot=False, model=char_model(on_grid))
    scores = score(youth, mentors, config)
    cohort = FeatureModel(youth, mentors, config)
    fast = cohort.objective_rows(np.arange(60))
    feasible = np.isfinite(fast)
    # The float32 fast path the assignment uses agrees with the float64 scores.
    np.testing.assert_allclose(fast[feasible], scores.similarity[feasible], atol=2e-6)
    seen = set()
    for i in range(0, 60, 7):
        for j in range(15):
            reasons = scores.reasons(i, j)
            assert sum(r.contribution for r in reasons) == pytest.approx(scores.similarity[i, j], abs=1e-9)
            wording = next(r for r in reasons if r.factor == "wording")
            assert wording.code == "learned.wording" and wording.code in REASON_CODES
            assert set(wording.data) == {"similarity", "parts"} and set(wording.data["parts"]) == {"text_char_similarity"}
            assert reason_text(wording.code, wording.data) == wording.text
            expected = "use similar words (similarity" if wording.data["similarity"] else "use no similar words"
            assert expected in wording.text
            seen.add(bool(wording.data["similarity"]))
    assert seen == {True, False}
    result = propose(youth, mentors, config)
    for proposal in result.proposals:
        assert sum(r.contribution for r in proposal.reasons) == pytest.approx(proposal.score, abs=1e-12)
    blank = replace(youth[0], id="blank", text="")
    reason = next(r for r in score([blank], mentors[:1], config).reasons(0, 0) if r.factor == "wording")
    assert reason.data["similarity"] == 0.0 and reason.text == "Goals and experience use no similar words"
