"""Alternatives for many youth at once equal the dense ranking of every feasible mentor."""
from __future__ import annotations

import numpy as np

from matching import propose, score
from matching.synthetic import synthetic_mentors, synthetic_youth


def test_batched_alternatives_match_the_dense_ranking():
    youth = synthetic_youth(120, seed=3)
    mentors = synthetic_mentors(30, seed=4)
    result = propose(youth, mentors)
    dense = score(youth, mentors)
    ids = [y.id for y in youth]
    batched = result.alternatives_of(ids, k=4, block=17)
    chosen = {p.youth_id: p.mentor_id for p in result.proposals}
    assert set(batched) == set(ids)
    for i, y in enumerate(youth):
        feasible = np.flatnonzero(dense.feasible[i])
        ranked = feasible[np.argsort(-dense.similarity[i, feasible], kind="stable")][:4]
        got = batched[y.id]
        assert [a.mentor_id for a in got] == [mentors[j].id for j in ranked]
        assert np.allclose([a.score for a in got], dense.similarity[i, ranked], atol=1e-6)
        assert [a.chosen for a in got] == [mentors[j].id == chosen.get(y.id) for j in ranked]
        assert all(a.reasons for a in got)
        one = result.alternatives(y.id, k=4)
        assert [(a.mentor_id, [r.text for r in a.reasons]) for a in got] == \
            [(a.mentor_id, [r.text for r in a.reasons]) for a in one]
