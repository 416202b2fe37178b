"""Exact capacity-aware assignment on a pruned candidate graph, certified by LP duality.

The problem
-----------
Youth ``i`` and mentor ``j`` form a feasible pair with weight
``w_ij = s_ij + b_i``: the similarity plus the youth's wait bonus (a bonus for
being matched at all, the same for every mentor of that youth). We solve ::

    maximise   sum_ij w_ij x_ij
    subject to sum_j x_ij <= 1     (each youth at most once)        dual u_i >= 0
               sum_i x_ij <= c_j   (mentor j's free capacity)       dual v_j >= 0
               x_ij in {0, 1}, x_ij = 0 for infeasible pairs.

Its constraint matrix is that of a bipartite graph, hence totally unimodular: the
LP relaxation has an integral optimum and the LP dual ::

    minimise   sum_i u_i + sum_j c_j v_j
    subject to u_i + v_j >= w_ij for every feasible pair,  u, v >= 0

has the same optimal value (strong duality).

Pruning, and why it cannot change the optimum
---------------------------------------------
Scores are computed a chunk of youth at a time; for each youth only its ``k``
best feasible mentors are kept, and ``t_i``, the best score among the pruned
ones, is remembered. The pruned problem is solved exactly (see below) giving a
matching ``x`` and optimal duals ``(u, v)`` of the *pruned* LP. If in addition
``u_i + v_j >= w_ij`` holds for every *pruned* pair, then ``(u, v)`` is feasible
for the dual of the *full* problem, and its value equals the value of ``x``
(complementary slackness on the pruned problem). By weak duality no assignment of
the full problem is worth more than that, so ``x`` is optimal for the full problem.

Checking the pruned pairs is cheap. A pruned pair has ``w_ij <= t_i + b_i``, so
it can only violate its constraint if ``v_j < t_i + b_i - u_i`` (the youth's
*slack*). A youth with no positive slack is done (``v >= 0``); for the others
only the mentors priced below their slack are scored again -- in a tight market
most mentors are full and priced high, so this is a small part of the matrix.
Any pruned pair that violates its constraint is added to the graph and the
problem is solved again. Pairs are only ever added, so this ends, at worst with
all pairs.

Solving the pruned problem
--------------------------
Each mentor becomes ``min(c_j, candidate youth)`` identical slot columns and each
youth gets a private "unmatched" column of weight 0, so a full matching of the
youth always exists; :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`
(LAPJVsp) finds the optimum of this sparse assignment problem.

The duals are rebuilt from the matching by complementary slackness: with
``a_i = v_{j(i)} - w_{i j(i)}`` for a matched youth and ``a_i = 0`` for an
unmatched one, the least ``v >= 0`` with ``v_j >= a_i + w_ij`` on every candidate
pair is a longest-path fixed point over alternating paths (Bellman-Ford, run
vectorised over all pairs per sweep); then ``u_i = w_{i j(i)} - v_{j(i)}`` or 0.
Taking the least ``v`` gives the largest ``u``, which makes the cheap bound above
pass as often as possible. Optimality of the matching implies ``v_j = 0`` for a
mentor with a free slot and ``u >= 0``; both are checked.

Numerics
--------
Weights are rounded to multiples of ``2**-32`` before solving, so every sum
along a path is exact in float64 and zero-gain cycles are exactly zero. Scores
come from float32 arithmetic whose rounding may differ between the first pass
and a recomputation, so the pruned-pair check adds a margin of ``1e-5``: a pair
within the margin is treated as violating and added, which is always safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

QUANTUM = 2.0**-32
CHECK_MARGIN = 1e-5

ObjectiveRows = Callable[..., np.ndarray]
"""``objective_rows(rows, cols=None)``: scores of youth ``rows`` (r,) against mentors ``cols``
(c,), all mentors when None, as an ``(r, c)`` float array with ``-inf`` where infeasible."""


@dataclass
class Assignment:
    """An exactly optimal assignment and its certificate.

    Attributes
    ----------
    mentor_of : ndarray of int64, shape (n,)
        Mentor index per youth, -1 when unmatched.
    similarity : ndarray of float64, shape (n,)
        Score of each youth's matched pair (``nan`` when unmatched), as solved.
    youth_potential, mentor_potential : ndarray of float64, shapes (n,) and (m,)
        Optimal LP duals ``u`` and ``v`` that certify optimality over all pairs.
    candidate_pairs : int
        Pairs in the final graph.
    rounds : int
        Solves needed until the certificate held (1 when pruning lost nothing).
    pairs_added : int
        Pruned pairs added back by the certificate check.
    timings : dict of str to float
        Seconds per stage.
    """

    mentor_of: np.ndarray
    similarity: np.ndarray
    youth_potential: np.ndarray
    mentor_potential: np.ndarray
    candidate_pairs: int
    rounds: int
    pairs_added: int
    timings: dict = field(default_factory=dict)


def _quantise(values: np.ndarray) -> np.ndarray:
    return np.round(values / QUANTUM) * QUANTUM


def _chunks(rows: np.ndarray, size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def prune_to_candidates(
    objective_rows: ObjectiveRows, n_youth: int, n_mentors: int, candidates: int, chunk_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keep each youth's ``candidates`` best feasible mentors, computing scores chunk by chunk.

    Returns
    -------
    arc_youth, arc_mentor : ndarray of int64, shape (e,)
    arc_score : ndarray of float64, shape (e,)
    best_pruned : ndarray of float64, shape (n_youth,)
        Best score among each youth's pruned pairs, ``-inf`` if none was pruned.
    """
    k = min(candidates, n_mentors)
    best_pruned = np.full(n_youth, -np.inf)
    arc_youth, arc_mentor, arc_score = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for rows in _chunks(np.arange(n_youth), chunk_size):
        block = objective_rows(rows)
        if k < n_mentors:
            # Ascending partition: the last k positions hold the k best, the one
            # before them the best of the rest.
            order = np.argpartition(block, n_mentors - k - 1, axis=1)
            top = order[:, n_mentors - k :]
            best_pruned[rows] = block[np.arange(len(rows)), order[:, n_mentors - k - 1]]
        else:
            top = np.broadcast_to(np.arange(n_mentors), block.shape)
        values = np.take_along_axis(block, top, axis=1)
        keep = values > -np.inf
        arc_youth.append(np.broadcast_to(rows[:, None], top.shape)[keep].astype(np.int64))
        arc_mentor.append(top[keep].astype(np.int64))
        arc_score.append(values[keep].astype(np.float64))
    return np.concatenate(arc_youth), np.concatenate(arc_mentor), np.concatenate(arc_score), best_pruned


def _solve_matching(
    n: int, capacity: np.ndarray, arc_youth: np.ndarray, arc_mentor: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """Optimal matching of the candidate graph; mentor index per youth, -1 unmatched."""
    m = len(capacity)
    slots = np.minimum(capacity, np.bincount(arc_mentor, minlength=m))
    slot_start = np.concatenate([[0], np.cumsum(slots)])
    n_slots = int(slot_start[-1])
    copies = slots[arc_mentor]
    total = int(copies.sum())
    first_copy = np.repeat(np.cumsum(copies) - copies, copies)
    slot_of_arc = np.repeat(slot_start[arc_mentor], copies) + (np.arange(total) - first_copy)
    youth_of_arc = np.repeat(arc_youth, copies)
    # An integer ceiling keeps ceiling - weight exact and every cost > 0, as
    # LAPJVsp needs non-zero entries.
    ceiling = float(np.ceil(weight.max(initial=0.0))) + 1.0
    costs = np.concatenate([np.repeat(ceiling - weight, copies), np.full(min(n, n_slots), ceiling)])
    mentor_of = np.full(n, -1, dtype=np.int64)
    slot_owner = np.repeat(np.arange(m), slots)
    # The smaller side becomes the rows, each with a private "left out" column:
    # few rows then end on that column, and those are the slow augmentations.
    if n <= n_slots:
        rows = np.concatenate([youth_of_arc, np.arange(n)])
        cols = np.concatenate([slot_of_arc, n_slots + np.arange(n)])
        graph = sp.csr_matrix((costs, (rows, cols)), shape=(n, n_slots + n))
        youth, slot = min_weight_full_bipartite_matching(graph)
    else:
        rows = np.concatenate([slot_of_arc, np.arange(n_slots)])
        cols = np.concatenate([youth_of_arc, n + np.arange(n_slots)])
        graph = sp.csr_matrix((costs, (rows, cols)), shape=(n_slots, n + n_slots))
        slot, youth = min_weight_full_bipartite_matching(graph)
    real = (youth < n) & (slot < n_slots)
    mentor_of[youth[real]] = slot_owner[slot[real]]
    return mentor_of


def _potentials(
    capacity: np.ndarray,
    arc_youth: np.ndarray,
    arc_mentor: np.ndarray,
    weight: np.ndarray,
    mentor_of: np.ndarray,
    matched_weight: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal duals ``(u, v)`` of the candidate-graph LP for an optimal matching."""
    n, m = len(mentor_of), len(capacity)
    order = np.argsort(arc_mentor, kind="stable")
    by_youth, by_mentor, by_weight = arc_youth[order], arc_mentor[order], weight[order]
    starts = np.flatnonzero(np.r_[True, by_mentor[1:] != by_mentor[:-1]]) if len(order) else np.zeros(0, int)
    mentors_with_arcs = by_mentor[starts]
    matched = mentor_of >= 0
    partner = np.where(matched, mentor_of, 0)
    v = np.zeros(m)
    # A longest path visits each node at most once, so n + m sweeps always suffice.
    for _ in range(n + m + 1):
        offset = np.where(matched, v[partner] - matched_weight, 0.0)
        best = np.maximum.reduceat(offset[by_youth] + by_weight, starts) if len(starts) else np.zeros(0)
        updated = np.zeros(m)
        updated[mentors_with_arcs] = np.maximum(best, 0.0)
        if np.array_equal(updated, v):
            break
        v = updated
    else:
        raise RuntimeError("assignment is not optimal: a gainful cycle remains in the candidate graph")
    u = np.where(matched, matched_weight - v[partner], 0.0)
    load = np.bincount(mentor_of[matched], minlength=m)
    if (v[load < capacity] > 0).any() or (u < 0).any():
        raise RuntimeError("assignment is not optimal: complementary slackness fails")
    return u, v


def _violating_pairs(
    objective_rows: ObjectiveRows,
    suspects: np.ndarray,
    slack: np.ndarray,
    bonus: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    arc_youth: np.ndarray,
    arc_mentor: np.ndarray,
    chunk_size: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pruned pairs of the suspect youth whose dual constraint fails (within the margin).

    A pruned pair ``(i, j)`` can only fail if ``v_j < slack_i`` (see the module
    docstring), so each chunk of suspects is scored against those mentors only.
    """
    n, m = len(u), len(v)
    new_youth, new_mentor, new_score = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    order = suspects[np.argsort(slack[suspects], kind="stable")]
    for rows in _chunks(order, chunk_size):
        cols = np.flatnonzero(v < slack[rows].max())
        if not len(cols):
            continue
        block = objective_rows(rows, cols).astype(np.float64)
        violated = block + bonus[rows, None] + CHECK_MARGIN > u[rows, None] + v[None, cols]
        violated &= block > -np.inf
        row_position = np.full(n, -1, dtype=np.int64)
        row_position[rows] = np.arange(len(rows))
        col_position = np.full(m, -1, dtype=np.int64)
        col_position[cols] = np.arange(len(cols))
        kept = (row_position[arc_youth] >= 0) & (col_position[arc_mentor] >= 0)
        violated[row_position[arc_youth[kept]], col_position[arc_mentor[kept]]] = False
        local, local_col = np.nonzero(violated)
        new_youth.append(rows[local])
        new_mentor.append(cols[local_col])
        new_score.append(block[local, local_col])
    return np.concatenate(new_youth), np.concatenate(new_mentor), np.concatenate(new_score)


def assign_exact(
    objective_rows: ObjectiveRows,
    n_youth: int,
    capacity: np.ndarray,
    bonus: np.ndarray,
    *,
    candidates: int = 32,
    chunk_size: int = 2048,
) -> Assignment:
    """Maximise the total of matched ``score + bonus`` under capacities, exactly.

    Parameters
    ----------
    objective_rows : callable, ``(r,) int -> (r, m) float``
        Scores of a block of youth against all mentors, ``-inf`` where a hard rule fails.
    n_youth : int
    capacity : ndarray of int, shape (m,)
        Free capacity per mentor.
    bonus : ndarray of float, shape (n_youth,)
        Added to the weight of every pair of the youth (the wait-time priority).
    candidates : int
        Mentors kept per youth before solving; any value gives the same optimum.
    chunk_size : int
        Youth rows scored at once; bounds memory at ``chunk_size x m`` floats.

    Returns
    -------
    Assignment
    """
    if candidates < 1 or chunk_size < 1:
        raise ValueError("candidates and chunk_size must be >= 1")
    capacity = np.asarray(capacity, dtype=np.int64)
    bonus = np.asarray(bonus, dtype=np.float64)
    timings = {}
    started = time.perf_counter()
    arc_youth, arc_mentor, arc_score, best_pruned = prune_to_candidates(
        objective_rows, n_youth, len(capacity), candidates, chunk_size
    )
    timings["score_and_prune"] = time.perf_counter() - started
    timings["assign"] = timings["certify"] = 0.0
    rounds = added = 0
    while True:
        rounds += 1
        started = time.perf_counter()
        weight = _quantise(arc_score + bonus[arc_youth])
        mentor_of = _solve_matching(n_youth, capacity, arc_youth, arc_mentor, weight)
        timings["assign"] += time.perf_counter() - started
        started = time.perf_counter()
        on_match = mentor_of[arc_youth] == arc_mentor
        matched_weight = np.zeros(n_youth)
        matched_weight[arc_youth[on_match]] = weight[on_match]
        similarity = np.full(n_youth, np.nan)
        similarity[arc_youth[on_match]] = arc_score[on_match]
        u, v = _potentials(capacity, arc_youth, arc_mentor, weight, mentor_of, matched_weight)
        slack = best_pruned + bonus + CHECK_MARGIN - u
        suspects = np.flatnonzero(slack > 0)
        new = _violating_pairs(objective_rows, suspects, slack, bonus, u, v, arc_youth, arc_mentor, chunk_size)
        timings["certify"] += time.perf_counter() - started
        if not len(new[0]):
            break
        added += len(new[0])
        arc_youth = np.concatenate([arc_youth, new[0]])
        arc_mentor = np.concatenate([arc_mentor, new[1]])
        arc_score = np.concatenate([arc_score, new[2]])
    return Assignment(mentor_of, similarity, u, v, len(arc_youth), rounds, added, timings)


def count_blocking_pairs(
    objective_rows: ObjectiveRows,
    mentor_of: np.ndarray,
    similarity: np.ndarray,
    capacity: np.ndarray,
    chunk_size: int = 2048,
    tolerance: float = 1e-6,
) -> int:
    """Feasible pairs that both strictly prefer each other to what the assignment gave them.

    A youth prefers a mentor with a higher score than its own match (any feasible
    mentor when unmatched); a mentor prefers a youth with a higher score than its
    worst mentee (any feasible youth while it has a free slot).

    Parameters
    ----------
    objective_rows : callable, ``(r,) int -> (r, m) float``
    mentor_of : ndarray of int, shape (n,)
    similarity : ndarray of float, shape (n,)
        Score of each matched pair, ``nan`` when unmatched.
    capacity : ndarray of int, shape (m,)

    Returns
    -------
    int
    """
    n, m = len(mentor_of), len(capacity)
    matched = mentor_of >= 0
    own = np.where(matched, similarity, -np.inf)
    worst = np.full(m, np.inf)
    np.minimum.at(worst, mentor_of[matched], own[matched])
    load = np.bincount(mentor_of[matched], minlength=m)
    worst[load < capacity] = -np.inf
    count = 0
    for rows in _chunks(np.arange(n), chunk_size):
        block = objective_rows(rows)
        wants = (block > own[rows, None] + tolerance) & (block > worst[None, :] + tolerance)
        wants &= block > -np.inf
        wants[np.flatnonzero(matched[rows]), mentor_of[rows][matched[rows]]] = False
        count += int(wants.sum())
    return count
