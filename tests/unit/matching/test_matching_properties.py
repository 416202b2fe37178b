"""Property tests: on small random cohorts propose() is valid and exactly optimal."""

from functools import lru_cache

import numpy as np
from hypothesis import HealthCheck, given, settings

from matching import propose, score
from tests.unit.matching.strategies import cohorts, learned_cohorts


def brute_force_optimum(weight: np.ndarray, feasible: np.ndarray, capacity: np.ndarray) -> float:
    """Best total weight over every assignment (each youth to one feasible mentor or none)."""
    n, m = weight.shape

    @lru_cache(maxsize=None)
    def best(i: int, remaining: tuple) -> float:
        if i == n:
            return 0.0
        value = best(i + 1, remaining)
        for j in range(m):
            if feasible[i, j] and remaining[j] > 0:
                left = remaining[:j] + (remaining[j] - 1,) + remaining[j + 1 :]
                value = max(value, weight[i, j] + best(i + 1, left))
        return value

    return best(0, tuple(int(c) for c in capacity))


def assert_valid_and_optimal(youth, mentors, config, **options):
    result = propose(youth, mentors, config, **options)
    dense = score(youth, mentors, config)
    index = {m.id: j for j, m in enumerate(mentors)}
    row = {y.id: i for i, y in enumerate(youth)}
    chosen = [p.youth_id for p in result.proposals]
    assert len(chosen) == len(set(chosen))
    load = np.bincount([index[p.mentor_id] for p in result.proposals], minlength=len(mentors))
    assert (load <= [m.free_capacity for m in mentors]).all()
    for proposal in result.proposals:
        assert dense.feasible[row[proposal.youth_id], index[proposal.mentor_id]]
        assert 0.0 <= proposal.score <= 1.0
    assert result.check() == []
    assert len(result.proposals) + len(result.unmatched) == len(youth)

    days = np.array([y.days_waiting for y in youth], dtype=float)
    bonus = config.wait_priority_weight * np.minimum(days / config.wait_full_days, 1.0)
    weight = dense.similarity + bonus[:, None]
    capacity = np.array([m.free_capacity for m in mentors])
    optimum = brute_force_optimum(weight, dense.feasible, capacity)
    assert abs(result.objective - optimum) < 1e-4


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_proposals_are_valid_and_match_the_brute_force_optimum(cohort):
    assert_valid_and_optimal(*cohort)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_pruning_to_one_candidate_still_finds_the_optimum(cohort):
    assert_valid_and_optimal(*cohort, candidates=1, reserve=0, chunk_size=2)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_a_small_reserve_still_finds_the_optimum(cohort):
    assert_valid_and_optimal(*cohort, candidates=1, reserve=1, chunk_size=3)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(learned_cohorts())
def test_with_a_learned_model_proposals_match_the_brute_force_optimum(cohort):
    assert_valid_and_optimal(*cohort)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(learned_cohorts())
def test_with_a_learned_model_pruning_to_one_candidate_still_finds_the_optimum(cohort):
    assert_valid_and_optimal(*cohort, candidates=1, reserve=0, chunk_size=2)
