"""The engine's large-cohort paths: grouped pruning, mentor candidates, warm re-solves, trimmed graphs.

Each is checked for behaviour only: the result is the exact optimum (against
scipy on slots or brute force), every hard rule and capacity holds, and the
duals certify the optimum over every feasible pair.
"""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

import matching.features as features
from matching import MatchConfig, propose, score
from matching.assignment import Pairs, _best_per_mentor, _join_graph, _solve_flow, assign_exact
from matching.features import FeatureModel
from matching.synthetic import synthetic_mentors, synthetic_youth


def random_instance(n, m, capacity, seed, infeasible=0.5):
    """Scores in [0, 1] with about ``infeasible`` of the pairs forbidden (``-inf``), a wait bonus per youth."""
    rng = np.random.default_rng(seed)
    weight = rng.random((n, m)).astype(np.float32)
    weight[rng.random((n, m)) < infeasible] = -np.inf
    caps = rng.integers(0, capacity + 1, m)
    bonus = rng.random(n) * 0.3
    return weight, caps, bonus, rows_of(weight)


def rows_of(weight):
    """The engine's view of a score matrix: a block of youth rows, of all or some mentor columns."""

    def rows(r, cols=None):
        block = weight[r]
        return (block if cols is None else block[:, cols]).copy()

    return rows


def exact_total(weight, caps, bonus):
    """The optimum by scipy on mentor slots (a forbidden pair weighs the same as no match)."""
    slots = np.repeat(np.arange(weight.shape[1]), caps)
    if not len(slots):
        return 0.0
    value = np.where(np.isfinite(weight), weight.astype(np.float64) + bonus[:, None], 0.0)[:, slots]
    rows, cols = linear_sum_assignment(value, maximize=True)
    return float(np.maximum(value[rows, cols], 0.0).sum())


def assert_exact_and_certified(assignment, weight, caps, bonus):
    mentor_of = assignment.mentor_of
    matched = mentor_of >= 0
    assert np.isfinite(weight[np.flatnonzero(matched), mentor_of[matched]]).all()
    assert (np.bincount(mentor_of[matched], minlength=len(caps)) <= caps).all()
    total = float((weight[np.flatnonzero(matched), mentor_of[matched]] + bonus[matched]).sum())
    assert total == pytest.approx(exact_total(weight, caps, bonus), abs=1e-4)
    # The duals bound every feasible pair of a mentor with places (weak duality).
    u, v = assignment.youth_potential, assignment.mentor_potential
    open_pairs = np.isfinite(weight) & (caps > 0)[None, :]
    slack = u[:, None] + v[None, :] - (weight + bonus[:, None])
    assert (slack[open_pairs] >= -1e-4).all()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"candidates": 1, "reserve": 0, "chunk_size": 3},
        {"candidates": 1, "reserve": 2, "chunk_size": 7, "mentor_candidates": 2},
        {"candidates": 2, "reserve": 0, "chunk_size": 5, "mentor_candidates": 40},
    ],
)
def test_assign_exact_matches_the_exact_solver_with_hard_constraints(seed, options):
    weight, caps, bonus, rows = random_instance(40, 9, 3, seed)
    assignment = assign_exact(rows, 40, caps, bonus, **options)
    assert_exact_and_certified(assignment, weight, caps, bonus)


@pytest.mark.parametrize("seed", range(6))
def test_grouped_pruning_gives_the_same_optimum(seed):
    """Youth in groups that each see only some mentors (the rest forbidden) score only those columns."""
    rng = np.random.default_rng(100 + seed)
    weight, caps, bonus, rows = random_instance(50, 12, 2, seed, infeasible=0.2)
    group_of = rng.integers(0, 4, 50)
    allowed = rng.random((4, 12)) < 0.5
    weight[~allowed[group_of]] = -np.inf
    groups = [(np.flatnonzero(group_of == g), np.flatnonzero(allowed[g])) for g in range(4)]
    for options in ({}, {"candidates": 1, "reserve": 0, "chunk_size": 4, "mentor_candidates": 3}):
        assignment = assign_exact(rows, 50, caps, bonus, youth_groups=groups, **options)
        assert_exact_and_certified(assignment, weight, caps, bonus)


def test_a_youth_whose_only_fit_scores_zero_gets_the_free_place_rather_than_waiting():
    """A pair worth exactly 0 adds nothing to the total, so the optimum is the same with or
    without it; the youth still gets the place, which would otherwise stay empty beside them."""
    weight = np.array([[0.0, -np.inf, -np.inf, 0.0],
                       [-np.inf, 0.7, 0.4, -np.inf],
                       [0.0, 0.6, -np.inf, -np.inf]], dtype=np.float32)
    caps, bonus, rows = np.array([1, 1, 1, 1]), np.zeros(3), rows_of(weight)
    assignment = assign_exact(rows, 3, caps, bonus)
    # Youth 2 takes mentor 1 (0.6), youth 1 the second-best mentor 2 (0.4): 1.0 in all, against
    # 0.7 had youth 1 kept mentor 1. Youth 0 fits only mentors 0 and 3, each worth 0, and gets one.
    assert assignment.mentor_of[1:].tolist() == [2, 1]
    assert assignment.mentor_of[0] in (0, 3)
    assert_exact_and_certified(assignment, weight, caps, bonus)
    # A full mentor takes no one more: with mentors 0 and 3 full, the zero-score youth waits.
    assignment = assign_exact(rows, 3, np.array([0, 1, 1, 0]), bonus)
    assert assignment.mentor_of.tolist() == [-1, 2, 1]


def test_a_tight_market_needs_several_rounds_and_still_ends_exact():
    weight, caps, bonus, rows = random_instance(120, 10, 4, seed=7, infeasible=0.1)
    assignment = assign_exact(rows, 120, caps, bonus, candidates=1, reserve=0, chunk_size=8)
    assert assignment.rounds > 1
    assert_exact_and_certified(assignment, weight, caps, bonus)


def test_a_warm_start_from_earlier_duals_gives_an_optimum_of_the_same_value():
    rng = np.random.default_rng(3)
    n, m = 60, 8
    youth, mentor = np.nonzero(rng.random((n, m)) < 0.6)
    gain = rng.integers(0, 1000, len(youth)).astype(np.int64)
    capacity = rng.integers(1, 5, m).astype(np.int64)
    cold = _solve_flow(n, capacity, youth, mentor, gain)
    # Duals of a smaller graph: any integers shift every youth's paths alike.
    u = rng.integers(0, 500, n).astype(np.int64)
    v = rng.integers(0, 500, m).astype(np.int64)
    warm = _solve_flow(n, capacity, youth, mentor, gain, u, v)

    def total(mentor_of):
        on = mentor_of[youth] == mentor
        return int(gain[on].sum())

    assert total(warm) == total(cold)
    for mentor_of in (cold, warm):
        assert (np.bincount(mentor_of[mentor_of >= 0], minlength=m) <= capacity).all()


@pytest.mark.parametrize("head", [0, 10, 200])
def test_best_per_mentor_keeps_each_mentors_top_pairs(head):
    rng = np.random.default_rng(head)
    pairs = Pairs(rng.integers(0, 50, 400), rng.integers(0, 12, 400), rng.random(400) * 3 - 1)
    mentors = rng.random(12) < 0.7
    chosen = _best_per_mentor(pairs, 5, mentors, head=head)
    assert len(set(chosen.tolist())) == len(chosen)
    for j in range(12):
        got = np.sort(pairs.score[chosen][pairs.mentor[chosen] == j])[::-1]
        want = np.sort(pairs.score[pairs.mentor == j])[::-1][:5] if mentors[j] else np.zeros(0)
        assert np.array_equal(got, want)


def test_join_graph_moves_only_the_missing_pairs():
    graph = Pairs(np.array([0, 1, 2]), np.array([0, 1, 1]), np.array([0.9, 0.8, 0.7]))
    reserve = Pairs(np.array([0, 1, 3]), np.array([1, 0, 2]), np.array([0.5, 0.4, 0.3]))
    extra = Pairs(np.array([1, 1, 4]), np.array([1, 0, 0]), np.array([0.8, 0.4, 0.2]))
    joined, left = _join_graph(graph, reserve, extra, n_mentors=3)
    assert sorted(zip(joined.youth.tolist(), joined.mentor.tolist())) == [(0, 0), (1, 0), (1, 1), (2, 1), (4, 0)]
    assert sorted(zip(left.youth.tolist(), left.mentor.tolist())) == [(0, 1), (3, 2)]


def test_youth_groups_cover_every_youth_once_and_every_feasible_mentor():
    youth, mentors = synthetic_youth(300, seed=11), synthetic_mentors(60, capacity=3, seed=12)
    config = MatchConfig()
    model = FeatureModel(youth, mentors, config)
    feasible = score(youth, mentors, config).feasible
    groups = model.youth_groups()
    seen = np.concatenate([rows for rows, _ in groups])
    assert sorted(seen.tolist()) == list(range(300))
    for rows, cols in groups:
        outside = np.setdiff1d(np.arange(60), cols)
        assert not feasible[np.ix_(rows, outside)].any()
        # float32 products over other widths may round differently in the last place.
        np.testing.assert_allclose(model.objective_rows(rows, cols), model.objective_rows(rows)[:, cols], rtol=1e-5)


@pytest.mark.parametrize("limit", [0, features.PLACE_TABLE_LIMIT])
def test_scores_are_the_same_with_or_without_the_place_table(monkeypatch, limit):
    youth, mentors = synthetic_youth(80, seed=5), synthetic_mentors(30, capacity=2, seed=6)
    reference = FeatureModel(youth, mentors, MatchConfig())
    monkeypatch.setattr(features, "PLACE_TABLE_LIMIT", limit)
    model = FeatureModel(youth, mentors, MatchConfig())
    assert (model.place_table is None) == (limit == 0)
    rows, cols = np.array([3, 0, 77, 41]), np.array([29, 2, 2, 10])
    np.testing.assert_allclose(model.objective_rows(rows), reference.objective_rows(rows), rtol=1e-6)
    np.testing.assert_allclose(model.objective_rows(rows, cols), reference.objective_rows(rows)[:, cols], rtol=1e-6)


@pytest.mark.parametrize("mentor_candidates", [0, 1, 16])
def test_propose_gives_the_same_optimum_whatever_the_mentor_candidates(mentor_candidates):
    youth, mentors = synthetic_youth(150, seed=21), synthetic_mentors(25, capacity=3, seed=22)
    config = MatchConfig()
    reference = propose(youth, mentors, config, candidates=200)
    result = propose(youth, mentors, config, candidates=2, reserve=1, mentor_candidates=mentor_candidates)
    assert result.objective == pytest.approx(reference.objective, abs=1e-4)
    assert result.check() == []
