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
Scores are computed a chunk of youth at a time; for each youth its ``k`` best
feasible mentors go into the graph, the next ``r`` into a *reserve* kept in
memory, and ``t_i``, the best score among the rest, is remembered. The pruned
problem (graph only) is solved exactly (see below) giving a matching ``x`` and
optimal duals ``(u, v)`` of the *pruned* LP. If in addition ``u_i + v_j >= w_ij``
holds for every pair left out of the graph, then ``(u, v)`` is feasible for the
dual of the *full* problem, and its value equals the value of ``x``
(complementary slackness on the pruned problem). By weak duality no assignment of
the full problem is worth more than that, so ``x`` is optimal for the full problem.

Checking the left-out pairs is cheap. Reserve pairs are compared with the duals
in one vectorised step. Any other pair has ``w_ij <= t_i + b_i``, so it can only
violate its constraint if ``v_j < t_i + b_i - u_i`` (the youth's *slack*). A
youth with no positive slack is done (``v >= 0``); the others are scored again,
in groups, against the mentors priced below the group's largest slack only -- in
a tight market most mentors are full and priced high, so this is a small part of
the matrix. Each group remembers which mentors it has scored, so later rounds
score only mentors that became cheap since, and every feasible pair found this
way joins the reserve. Reserve pairs that violate their constraint move into the
graph, with those within ``NEAR_MARGIN`` of violating (they tend to fail after
the duals move), and the problem is solved again. Pairs are only ever added, so this ends,
at worst with all pairs.

Solving the pruned problem
--------------------------
The pruned problem is a transportation problem, solved directly as a min-cost
flow on the candidate graph with OR-Tools' ``SimpleMinCostFlow`` (cost scaling,
exact on integers): every youth supplies one unit, which reaches the sink through
a candidate pair (cost ``-gain``, capacity 1) and that mentor's sink arc
(capacity ``c_j``), or through the youth's own "unmatched" arc of cost 0. Nothing
is expanded into slots, so the graph has one arc per candidate pair. An optimal
matching may leave a youth unmatched beside a free place when that pair gains
exactly 0; such pairs are then matched, which changes neither the total nor the
duals below.

The duals are rebuilt from the matching by complementary slackness: with
``a_i = v_{j(i)} - w_{i j(i)}`` for a matched youth and ``a_i = 0`` for an
unmatched one, the least ``v >= 0`` with ``v_j >= a_i + w_ij`` on every candidate
pair is a longest-path fixed point over alternating paths (Bellman-Ford,
vectorised: the first sweep relaxes every pair, later ones only the pairs of
youth whose mentor's price just rose); then ``u_i = w_{i j(i)} - v_{j(i)}`` or 0.
Taking the least ``v`` gives the largest ``u``, which makes the cheap bound above
pass as often as possible. Optimality of the matching implies ``v_j = 0`` for a
mentor with a free slot and ``u >= 0``; both are checked.

Numerics
--------
Weights are quantised to integers, ``round(w * 2**24)`` (a smaller power of two
if a large wait bonus would push them past ``GAIN_LIMIT``), and both the flow and
the duals are computed in exact integer arithmetic. The result is exactly
optimal for the quantised weights; it can differ from the real-valued optimum by
at most ``n * 2**-24`` in total, and only where two assignments tie that closely.
Scores come from float32 arithmetic whose rounding may differ between the first
pass and a recomputation, so the pruned-pair check adds a margin of ``1e-5``
(and at least one integer unit, which covers the rounding to integers): a pair
within the margin is treated as violating and added, which is always safe.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow
from threadpoolctl import threadpool_limits

GAIN_LIMIT = 2**26
CHECK_MARGIN = 1e-5
NEAR_MARGIN = 0.01
"""Reserve pairs this close to failing join the graph along with the failing ones."""
RESCORE_GROUP = 2048
"""Suspect youth scored together by the certificate check. Each group pays for
gathering its mentor columns, so larger groups win (measured at 20,000 x 4,000:
0.2 s with groups of 2,048, 1.1 s with groups of 512)."""

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
        Optimal LP duals ``u`` and ``v`` of the quantised weights, in weight units,
        that certify optimality over all pairs.
    candidate_pairs : int
        Pairs in the final graph.
    rounds : int
        Solves needed until the certificate held (1 when pruning lost nothing).
    pairs_added : int
        Left-out pairs moved into the graph by the certificate check: the failing
        ones and those within ``NEAR_MARGIN`` of failing.
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


def _scale(max_weight: float) -> float:
    """Integer units per unit of weight: ``2**24``, less if the weights could reach ``GAIN_LIMIT``."""
    return 2.0 ** min(24, int(np.floor(np.log2(GAIN_LIMIT / max(max_weight, 1.0)))))


def _chunks(rows: np.ndarray, size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


@dataclass
class Pairs:
    """A list of scored youth-mentor pairs.

    Attributes
    ----------
    youth, mentor : ndarray of int64, shape (p,)
    score : ndarray of float64, shape (p,)
    """

    youth: np.ndarray
    mentor: np.ndarray
    score: np.ndarray

    @classmethod
    def concat(cls, parts: list[Pairs]) -> Pairs:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("youth", "mentor", "score")))

    def take(self, which: np.ndarray) -> Pairs:
        return Pairs(self.youth[which], self.mentor[which], self.score[which])

    def __len__(self) -> int:
        return len(self.youth)


def prune_to_candidates(
    objective_rows: ObjectiveRows,
    n_youth: int,
    n_mentors: int,
    candidates: int,
    kept: int,
    chunk_size: int,
    youth_groups: list[tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[Pairs, Pairs, np.ndarray]:
    """Score all pairs chunk by chunk; keep each youth's best feasible mentors.

    The ``candidates`` best go into the graph, the next ``kept - candidates``
    into a reserve that the certificate check reads instead of scoring again.

    Parameters
    ----------
    objective_rows : callable, ``(r,) int -> (r, m) float``
    n_youth, n_mentors : int
    candidates, kept : int
        Pairs per youth for the graph and in all (``kept >= candidates``); ties
        at the boundary may keep a few more.
    chunk_size : int
    youth_groups : list of (rows, cols), optional
        Every youth once, grouped with the only mentors that can be feasible
        for them (ndarrays of int); only those columns are scored. All youth
        against all mentors when omitted.

    Returns
    -------
    graph, reserve : Pairs
    best_pruned : ndarray of float64, shape (n_youth,)
        Upper bound on the score of each youth's pairs in neither list, ``-inf``
        if there are none.
    """
    if youth_groups is None:
        youth_groups = [(np.arange(n_youth), None)]
    chunks = [(rows, cols) for all_rows, cols in youth_groups for rows in _chunks(all_rows, chunk_size)]
    chunks = [(rows, cols) for rows, cols in chunks if cols is None or len(cols)]
    # Sorting, gathers and adds run on one core each; two chunks at a time with
    # single-threaded BLAS keep every core busy (measured: about twice as fast
    # as one chunk at a time with threaded BLAS, on 2 cores).
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(_threads()) as pool:
        parts = list(pool.map(lambda chunk: _prune_chunk(objective_rows, *chunk, candidates, kept), chunks))
    empty = Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    best_pruned = np.full(n_youth, -np.inf)
    for (rows, _), (_, _, bound) in zip(chunks, parts):
        best_pruned[rows] = bound
    graph = Pairs.concat([empty] + [graph for graph, _, _ in parts])
    reserve = Pairs.concat([empty] + [reserve for _, reserve, _ in parts])
    return graph, reserve, best_pruned


def _threads() -> int:
    """Worker threads for scoring: the cores this process may run on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


def _prune_chunk(
    objective_rows: ObjectiveRows, rows: np.ndarray, cols: np.ndarray | None, candidates: int, kept: int
) -> tuple[Pairs, Pairs, np.ndarray]:
    """:func:`prune_to_candidates` for one chunk of youth ``rows`` (r,) against mentors ``cols``
    (all when None); ``bound`` has shape (r,)."""
    block = objective_rows(rows) if cols is None else objective_rows(rows, cols)
    width = block.shape[1]
    # A full sort of the values (vectorised) is several times faster than
    # argpartition and gives both thresholds at once.
    ranked = np.sort(block, axis=1)
    floor = ranked[:, width - candidates] if candidates < width else np.full(len(rows), -np.inf)
    bound = ranked[:, width - kept - 1] if kept < width else np.full(len(rows), -np.inf)
    # Entries equal to ``bound`` are pruned (``bound`` still bounds them)
    # unless they reach the graph's ``floor``; -inf never passes ``> bound``.
    keep = block > bound[:, None]
    keep |= block >= np.where(floor > -np.inf, floor, np.inf)[:, None]
    local, column = np.nonzero(keep)
    score = block[local, column].astype(np.float64)
    mentor = column if cols is None else cols[column]
    pairs = Pairs(rows[local].astype(np.int64), mentor.astype(np.int64), score)
    to_graph = score >= floor[local]
    return pairs.take(to_graph), pairs.take(~to_graph), bound.astype(np.float64)


def best_youth_for_mentors(
    objective_rows: ObjectiveRows, n_youth: int, cols: np.ndarray, count: int, chunk_size: int
) -> Pairs:
    """Each mentor of ``cols``'s ``count`` best feasible youth, scoring only those mentors' columns.

    Parameters
    ----------
    objective_rows : callable
    n_youth : int
    cols : ndarray of int, shape (c,)
    count : int
    chunk_size : int

    Returns
    -------
    Pairs
        At most ``count`` pairs per mentor.
    """
    found = [Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))]
    if not len(cols):
        return found[0]
    for rows in _chunks(np.arange(n_youth), chunk_size):
        block = objective_rows(rows, cols)
        top = min(count, len(rows))
        local = np.argpartition(block, len(rows) - top, axis=0)[len(rows) - top :]
        value = np.take_along_axis(block, local, axis=0)
        feasible = value > -np.inf
        mentor = np.broadcast_to(cols, local.shape)
        found.append(Pairs(rows[local[feasible]], mentor[feasible].astype(np.int64), value[feasible].astype(np.float64)))
    pairs = Pairs.concat(found)
    order = np.lexsort((-pairs.score, pairs.mentor))
    mentor = pairs.mentor[order]
    rank = np.arange(len(order)) - np.searchsorted(mentor, mentor, side="left")
    return pairs.take(order[rank < count])


def _join_graph(graph: Pairs, reserve: Pairs, extra: Pairs, n_mentors: int) -> tuple[Pairs, Pairs]:
    """``graph`` with the pairs of ``extra`` it lacks, and ``reserve`` without them.

    Only pairs of the mentors in ``extra`` are compared, so a few mentors' pairs
    join a large graph in time linear in its size.
    """
    involved = np.zeros(n_mentors, dtype=bool)
    involved[extra.mentor] = True
    extra_codes = extra.youth * n_mentors + extra.mentor
    near = np.flatnonzero(involved[graph.mentor])
    added = extra.take(~np.isin(extra_codes, graph.youth[near] * n_mentors + graph.mentor[near]))
    near = np.flatnonzero(involved[reserve.mentor])
    in_added = np.zeros(len(reserve), dtype=bool)
    in_added[near] = np.isin(reserve.youth[near] * n_mentors + reserve.mentor[near], added.youth * n_mentors + added.mentor)
    return Pairs.concat([graph, added]), reserve.take(~in_added)


def _solve_flow(
    n: int,
    capacity: np.ndarray,
    arc_youth: np.ndarray,
    arc_mentor: np.ndarray,
    gain: np.ndarray,
    u: np.ndarray | None = None,
    v: np.ndarray | None = None,
) -> np.ndarray:
    """Optimal matching of the candidate graph as a min-cost flow.

    Every youth supplies one unit that reaches the sink either through a
    candidate mentor (cost ``-gain``, mentor to sink capacity ``c_j``) or
    through its own "unmatched" arc of cost 0, so a feasible flow always exists.

    Given the duals ``(u, v)`` of an earlier, smaller graph, every arc's cost is
    shifted by node potentials (youth ``u_i``, mentor ``-v_j``, sink 0): pair
    arcs cost ``u_i + v_j - gain``, unmatched arcs ``u_i``, mentor arcs ``-v_j``.
    Every path from a youth to the sink changes by the same ``u_i``, so the
    optimal flows are the same; but the earlier matching's arcs now cost 0 or
    less and every other old arc 0 or more, so the solver starts next to an
    optimum (measured at 100,000 x 20,000: a re-solve takes half the time).

    Parameters
    ----------
    n : int
    capacity : ndarray of int64, shape (m,)
    arc_youth, arc_mentor : ndarray of int64, shape (e,)
    gain : ndarray of int64, shape (e,)
        Quantised weight of each candidate pair.
    u, v : ndarray of int64, shapes (n,) and (m,), optional
        Integer duals to start from; zero when omitted.

    Returns
    -------
    ndarray of int64, shape (n,)
        Mentor index per youth, -1 when unmatched.
    """
    m = len(capacity)
    u = np.zeros(n, np.int64) if u is None else u
    v = np.zeros(m, np.int64) if v is None else v
    sink = n + m
    tails = np.concatenate([arc_youth, np.arange(n), n + np.arange(m)])
    heads = np.concatenate([n + arc_mentor, np.full(n, sink), np.full(m, sink)])
    capacities = np.concatenate([np.ones(len(arc_youth) + n, np.int64), capacity])
    costs = np.concatenate([u[arc_youth] + v[arc_mentor] - gain, u, -v])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supplies = np.zeros(n + m + 1, np.int64)
    supplies[:n] = 1
    supplies[sink] = -n
    flow.set_nodes_supplies(np.arange(n + m + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    used = flow.flows(arcs[: len(arc_youth)]) > 0
    mentor_of = np.full(n, -1, dtype=np.int64)
    mentor_of[arc_youth[used]] = arc_mentor[used]
    return mentor_of


def _fill_free_places(
    capacity: np.ndarray, arc_youth: np.ndarray, arc_mentor: np.ndarray, gain: np.ndarray, mentor_of: np.ndarray
) -> None:
    """Match unmatched youth to candidates with a free place, in place.

    Such a pair has gain 0 in an optimal matching (a positive one would improve
    it), so adding it keeps the total, and the duals stay valid: ``u_i = 0`` for
    the unmatched youth and ``v_j = 0`` for the mentor with room. Without this a
    youth whose only fits score exactly 0 could stay unmatched beside an empty place.
    """
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=len(capacity))
    open_arcs = np.flatnonzero((mentor_of[arc_youth] < 0) & (load[arc_mentor] < capacity[arc_mentor]) & (gain == 0))
    for i, j in zip(arc_youth[open_arcs].tolist(), arc_mentor[open_arcs].tolist()):
        if mentor_of[i] < 0 and load[j] < capacity[j]:
            mentor_of[i] = j
            load[j] += 1


def _ranges(first: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(first[k], stop[k])`` over all k, shape (sum(stop - first),)."""
    count = stop - first
    return np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())


def _potentials(
    capacity: np.ndarray,
    arc_youth: np.ndarray,
    arc_mentor: np.ndarray,
    gain: np.ndarray,
    mentor_of: np.ndarray,
    matched_gain: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal integer duals ``(u, v)`` of the candidate-graph LP for an optimal matching.

    Parameters
    ----------
    capacity : ndarray of int64, shape (m,)
    arc_youth, arc_mentor : ndarray of int64, shape (e,)
    gain : ndarray of int64, shape (e,)
    mentor_of : ndarray of int64, shape (n,)
    matched_gain : ndarray of int64, shape (n,)
        Gain of each youth's matched pair, 0 when unmatched.

    Returns
    -------
    u, v : ndarray of int64, shapes (n,) and (m,)
    """
    n, m = len(mentor_of), len(capacity)
    matched = mentor_of >= 0
    partner = np.where(matched, mentor_of, 0)
    # Arcs grouped by youth and mentees grouped by mentor: after the first sweep
    # only arcs of youth whose mentor's price just rose can raise another price.
    order = np.argsort(arc_youth, kind="stable")
    by_youth, by_mentor, by_gain = arc_youth[order], arc_mentor[order], gain[order]
    arc_start = np.searchsorted(by_youth, np.arange(n + 1))
    mentees = np.flatnonzero(matched)[np.argsort(mentor_of[matched], kind="stable")]
    mentee_start = np.searchsorted(mentor_of[mentees], np.arange(m + 1))
    v = np.zeros(m, np.int64)
    youth = np.arange(n)
    # A longest path visits each node at most once, so n + m sweeps always suffice.
    for _ in range(n + m + 1):
        arcs = _ranges(arc_start[youth], arc_start[youth + 1])
        tail = by_youth[arcs]
        offset = np.where(matched[tail], v[partner[tail]] - matched_gain[tail], 0)
        updated = v.copy()
        np.maximum.at(updated, by_mentor[arcs], offset + by_gain[arcs])
        changed = np.flatnonzero(updated > v)
        if not len(changed):
            break
        v = updated
        youth = mentees[_ranges(mentee_start[changed], mentee_start[changed + 1])]
    else:
        raise RuntimeError("assignment is not optimal: a gainful cycle remains in the candidate graph")
    u = np.zeros(n, np.int64)
    u[matched] = matched_gain[matched] - v[mentor_of[matched]]
    load = np.bincount(mentor_of[matched], minlength=m)
    if (v[load < capacity] > 0).any() or (u < 0).any():
        raise RuntimeError("assignment is not optimal: complementary slackness fails")
    return u, v


class _Rescorer:
    """Scores pruned pairs that the bound cannot clear, each at most once.

    Youth are rescored in groups (a chunk of suspects sorted by slack); each
    group remembers which mentor columns it has scored, so a later round only
    scores the columns that became cheap enough since. Every feasible rescored
    pair joins the reserve, where the per-round vectorised check covers it.

    Parameters
    ----------
    objective_rows : callable
    n_mentors : int
    kept : list of Pairs
        The pairs kept by pruning (graph and reserve), never returned again.
    chunk_size : int
    """

    def __init__(self, objective_rows: ObjectiveRows, n_mentors: int, kept: list[Pairs], chunk_size: int) -> None:
        self.objective_rows, self.m, self.chunk_size = objective_rows, n_mentors, chunk_size
        self.kept_codes = np.sort(np.concatenate([p.youth * n_mentors + p.mentor for p in kept]))
        self.groups: list[tuple[np.ndarray, np.ndarray]] = []
        self.grouped = np.zeros(0, dtype=np.int64)

    def _score(self, rows: np.ndarray, cols: np.ndarray) -> Pairs:
        block = self.objective_rows(rows, cols)
        local, local_col = np.nonzero(block > -np.inf)
        youth, mentor = rows[local], cols[local_col]
        codes = youth * self.m + mentor
        position = np.minimum(np.searchsorted(self.kept_codes, codes), max(len(self.kept_codes) - 1, 0))
        new = self.kept_codes[position] != codes if len(self.kept_codes) else np.ones(len(codes), bool)
        return Pairs(youth[new], mentor[new], block[local[new], local_col[new]].astype(np.float64))

    def rescore(self, slack: np.ndarray, v: np.ndarray) -> Pairs:
        """Every feasible pair not yet scored whose mentor is priced below its youth's slack.

        Parameters
        ----------
        slack : ndarray of float64, shape (n,)
            ``best_pruned_i + offset_i``: no pruned pair of youth ``i`` with
            ``v_j >= slack_i`` can fail its dual constraint.
        v : ndarray of float64, shape (m,)

        Returns
        -------
        Pairs
        """
        found = [Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))]
        for rows, scored in self.groups:
            cols = np.flatnonzero(~scored & (v < slack[rows].max()))
            if len(cols):
                found.append(self._score(rows, cols))
                scored[cols] = True
        fresh = np.setdiff1d(np.flatnonzero(slack > 0), self.grouped, assume_unique=True)
        for rows in _chunks(fresh[np.argsort(slack[fresh], kind="stable")], self.chunk_size):
            scored = v < slack[rows].max()
            found.append(self._score(rows, np.flatnonzero(scored)))
            self.groups.append((rows, scored))
        self.grouped = np.union1d(self.grouped, fresh)
        return Pairs.concat(found)


def _best_per_mentor(pairs: Pairs, count: int, mentors: np.ndarray, head: int = 0) -> np.ndarray:
    """Positions in ``pairs`` of the ``count`` best-scoring pairs of each mentor in ``mentors``
    (bool, shape (m,)); ties broken either way. Scores must be finite.

    With ``head``, the first ``head`` pairs are ranked first: a mentor with
    ``count`` of them scoring at least ``t`` keeps nothing below ``t``, so only
    the pairs that reach their mentor's ``t`` are ranked over the whole list
    (a few times faster when the head is a fifth of the pairs).
    """
    wanted = mentors[pairs.mentor]
    if head:
        first = Pairs(pairs.youth[:head], pairs.mentor[:head], pairs.score[:head])
        best = _best_per_mentor(first, count, mentors)
        threshold = np.full(len(mentors), np.inf)
        full = np.bincount(first.mentor[best], minlength=len(mentors)) >= count
        np.minimum.at(threshold, first.mentor[best], first.score[best])
        threshold[~full] = -np.inf
        wanted &= pairs.score >= threshold[pairs.mentor]
    chosen = np.flatnonzero(wanted)
    if not len(chosen):
        return chosen
    score = pairs.score[chosen]
    low, high = float(score.min()), float(score.max())
    # One sort of a single float key (mentor, then score descending) is
    # several times faster than a two-key lexsort.
    key = pairs.mentor[chosen] * (high - low + 1.0) + (high - score)
    order = chosen[np.argsort(key)]
    mentor = pairs.mentor[order]
    rank = np.arange(len(order)) - np.searchsorted(mentor, mentor, side="left")
    return order[rank < count]


def assign_exact(
    objective_rows: ObjectiveRows,
    n_youth: int,
    capacity: np.ndarray,
    bonus: np.ndarray,
    *,
    candidates: int = 24,
    reserve: int = 104,
    chunk_size: int = 512,
    mentor_candidates: int = 0,
    youth_groups: list[tuple[np.ndarray, np.ndarray]] | None = None,
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
        Mentors per youth in the graph before solving; any value gives the same optimum.
    reserve : int
        Further mentors per youth kept in memory for the certificate check
        (``reserve * n_youth`` pairs); any value gives the same optimum.
    chunk_size : int
        Youth rows scored at once by each thread (one per core) while pruning;
        bounds memory at ``chunk_size x m`` floats per thread.
    mentor_candidates : int
        Each mentor with free capacity also gets its best this many feasible
        youth in the first graph: from the pairs pruning kept, or, for a mentor
        with fewer kept pairs, by scoring its column. A mentor that is no
        youth's first choice is otherwise left with free places by the first
        solve, priced at 0, and nearly every youth's pair with it fails the
        certificate (measured at 100,000 x 20,000: 74 such mentors brought 3.3
        million pairs into the graph over three solves). Any value gives the
        same optimum.
    youth_groups : list of (rows, cols), optional
        Every youth once, grouped with the only mentors that can be feasible
        for them; pruning scores only those columns (see
        :func:`prune_to_candidates`). Changes speed only.

    Returns
    -------
    Assignment
    """
    if candidates < 1 or reserve < 0 or chunk_size < 1:
        raise ValueError("candidates and chunk_size must be >= 1, reserve >= 0")
    capacity = np.asarray(capacity, dtype=np.int64)
    bonus = np.asarray(bonus, dtype=np.float64)
    n_mentors = len(capacity)
    timings = {}
    started = time.perf_counter()
    graph, spare, best_pruned = prune_to_candidates(
        objective_rows, n_youth, n_mentors, candidates, candidates + reserve, chunk_size, youth_groups
    )
    if mentor_candidates:
        open_mentors = capacity > 0
        kept = Pairs.concat([graph, spare])
        starved = open_mentors & (np.bincount(kept.mentor, minlength=n_mentors) < mentor_candidates)
        best = _best_per_mentor(kept, mentor_candidates, open_mentors & ~starved, head=len(graph))
        # Positions past the graph are reserve pairs, which move into the graph.
        moved = np.zeros(len(spare), dtype=bool)
        moved[best[best >= len(graph)] - len(graph)] = True
        graph, spare = Pairs.concat([graph, spare.take(moved)]), spare.take(~moved)
        del kept
        extra = best_youth_for_mentors(
            objective_rows, n_youth, np.flatnonzero(starved), mentor_candidates, RESCORE_GROUP
        )
        graph, spare = _join_graph(graph, spare, extra, n_mentors)
    timings["score_and_prune"] = time.perf_counter() - started
    timings["assign"] = timings["certify"] = 0.0
    scale = _scale(float(np.max(graph.score + bonus[graph.youth], initial=0.0)))
    margin = max(CHECK_MARGIN, 1.0 / scale)
    rescorer = _Rescorer(objective_rows, n_mentors, [graph, spare], RESCORE_GROUP)
    # The reserve is kept as a list of parts: copying millions of pairs into one
    # list every round costs more than the check itself (each part is checked as is).
    spares = [spare]
    del spare
    rounds = added = 0
    u_int = v_int = None
    trimming, best_total = True, -1
    while True:
        rounds += 1
        started = time.perf_counter()
        gain = np.round((graph.score + bonus[graph.youth]) * scale).astype(np.int64)
        mentor_of = _solve_flow(n_youth, capacity, graph.youth, graph.mentor, gain, u_int, v_int)
        _fill_free_places(capacity, graph.youth, graph.mentor, gain, mentor_of)
        timings["assign"] += time.perf_counter() - started
        started = time.perf_counter()
        on_match = mentor_of[graph.youth] == graph.mentor
        matched_gain = np.zeros(n_youth, np.int64)
        matched_gain[graph.youth[on_match]] = gain[on_match]
        similarity = np.full(n_youth, np.nan)
        similarity[graph.youth[on_match]] = graph.score[on_match]
        u_int, v_int = _potentials(capacity, graph.youth, graph.mentor, gain, mentor_of, matched_gain)
        u, v = u_int / scale, v_int / scale
        # A pair fails its dual constraint when s_ij + offset_i > v_j. A mentor
        # without places may be priced at infinity at no cost: its pairs never
        # fail and are never rescored.
        offset, price = bonus - u + margin, np.where(capacity > 0, v, np.inf)
        spares.append(rescorer.rescore(best_pruned + offset, price))
        excesses = [part.score + offset[part.youth] - price[part.mentor] for part in spares]
        timings["certify"] += time.perf_counter() - started
        if not any((excess > 0).any() for excess in excesses):
            break
        total = int(matched_gain.sum())
        trimming = trimming and total > best_total
        best_total = max(best_total, total)
        if trimming:
            # The next graph needs only the pairs these duals price near
            # tight, and the matching (see "Solving the pruned problem").
            graph_excess = graph.score + offset[graph.youth] - price[graph.mentor]
            loose = (graph_excess <= -NEAR_MARGIN) & ~on_match
            spares.append(graph.take(loose))
            excesses.append(graph_excess[loose])
            graph = graph.take(~loose)
        # Re-solving moves the duals, and pairs just inside their constraint
        # tend to fail next round; taking them now saves most third rounds.
        from_spare = [excess > -NEAR_MARGIN for excess in excesses]
        new = Pairs.concat([part.take(moved) for part, moved in zip(spares, from_spare)])
        added += len(new)
        graph = Pairs.concat([graph, new])
        spares = [part.take(~moved) if moved.any() else part for part, moved in zip(spares, from_spare)]
        spares = [part for part in spares if len(part)]
    return Assignment(mentor_of, similarity, u, v, len(graph), rounds, added, timings)


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
