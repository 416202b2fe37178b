"""The matching engine's entry points: score a cohort, and propose an optimal set of matches."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from matching.assignment import Assignment, assign_exact, count_blocking_pairs
from matching.additive import LastingChance
from matching.config import MatchConfig
from matching.explain import (
    Reason,
    exclusion_data,
    exclusion_text,
    pair_reasons,
    pair_reasons_batch,
    unmatched_code,
    unmatched_text,
)
from matching.features import RULE_LABELS, RULES, FeatureModel
from matching.profiles import Mentor, Youth, check_unique_ids


MENTOR_CANDIDATES = 16
"""Each mentor's best youth that also enter the first assignment graph
(``mentor_candidates`` of :func:`matching.assignment.assign_exact`)."""


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building many small objects.

    Allocating tens of thousands of containers sets off full collections that
    scan every live object, the caller's profiles included: at 20,000 x 4,000
    they took about half of building the proposals' reasons and 0.7 s of a run.
    Nothing built here forms a reference cycle, so pausing frees nothing later
    than it would have been; the collector's previous state is restored.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Exclusion:
    """The first hard rule, in :data:`matching.RULES` order, that rules a pair out.

    ``code`` (the rule) and ``data`` say what ``text`` says in English, for any
    language; see :mod:`matching.explain` for the table.
    """

    rule: str
    label: str
    text: str
    data: dict = field(default_factory=dict, hash=False)

    @property
    def code(self) -> str:
        """The stable machine code of this exclusion: its rule."""
        return self.rule

    def to_dict(self) -> dict:
        return {"rule": self.rule, "code": self.code, "label": self.label, "text": self.text, "data": self.data}


def _exclusion(model: FeatureModel, i: int, j: int, rule: str) -> Exclusion:
    data = exclusion_data(model, i, j, rule)
    return Exclusion(rule, RULE_LABELS[rule], exclusion_text(rule, data), data)


@dataclass
class Scores:
    """Dense similarity of every youth with every mentor.

    Attributes
    ----------
    similarity : ndarray of float64, shape (n, m)
        Weighted score in [0, 1] (computed for infeasible pairs too).
    feasible : ndarray of bool, shape (n, m)
    factors : ndarray of float64, shape (6, n, m), or None
        Per-factor similarity in :data:`matching.FACTORS` order. None with a
        learned model, whose per-feature contributions would take F times the
        memory of the scores: :meth:`contributions` computes them per pair.
    """

    similarity: np.ndarray
    feasible: np.ndarray
    factors: np.ndarray | None
    model: FeatureModel = field(repr=False)
    rule_code: np.ndarray = field(repr=False)

    @property
    def factor_names(self) -> tuple[str, ...]:
        """Names along the first axis of ``factors``: :data:`matching.FACTORS`, or the learned model's features."""
        return tuple(self.model.factor_names)

    def _pair_factors(self, i: int, j: int) -> np.ndarray:
        if self.factors is not None:
            return self.factors[:, i, j]
        return self.model.factor_pairs(np.array([i]), np.array([j]))[0]

    def contributions(self, i: int, j: int) -> dict[str, float]:
        """Contribution per factor (or learned feature) for youth ``i`` and mentor ``j``; they sum to the score."""
        factors = self._pair_factors(i, j)
        return {f: float(self.model.weights[k] * factors[k]) for k, f in enumerate(self.model.factor_names)}

    def lasting_chance(self, i: int, j: int) -> LastingChance | None:
        """How often matches like youth ``i`` with mentor ``j`` lasted a year; None without a learned
        model or with too little history (see :meth:`matching.additive.AdditiveModel.lasting_chance`)."""
        learned = self.model.config.model
        return None if learned is None else learned.lasting_chance(float(self.similarity[i, j]))

    def reasons(self, i: int, j: int) -> list[Reason]:
        """Plain-words reasons for the pair, largest contribution first."""
        return pair_reasons(self.model, i, j, self._pair_factors(i, j))

    def excluded_by(self, i: int, j: int) -> Exclusion | None:
        """The first hard rule that excludes the pair, or None when it is feasible."""
        code = int(self.rule_code[i, j])
        return None if code == 0 else _exclusion(self.model, i, j, RULES[code - 1])


def _prepare(youth, mentors, config) -> tuple[list, list, MatchConfig]:
    youth, mentors = list(youth), list(mentors)
    check_unique_ids(youth, mentors)
    return youth, mentors, config if config is not None else MatchConfig()


def score(youth: list[Youth], mentors: list[Mentor], config: MatchConfig | None = None) -> Scores:
    """Score every youth against every mentor, with the hard-rule mask.

    Memory is about 60 bytes per pair (20 with a learned model, whose per-feature
    parts are computed per pair on demand); use :func:`propose` for large cohorts.

    Parameters
    ----------
    youth : list of Youth, length n
    mentors : list of Mentor, length m
    config : MatchConfig, optional

    Returns
    -------
    Scores
        ``similarity`` and ``feasible`` of shape (n, m).
    """
    youth, mentors, config = _prepare(youth, mentors, config)
    model = FeatureModel(youth, mentors, config)
    rows = np.arange(model.n)
    if model.learned is None:
        factors = model.factor_matrices(rows)
        similarity = np.clip(np.tensordot(model.weights, factors, axes=1), 0.0, 1.0)
    else:
        factors = None
        # Per-feature blocks of about 2**24 values (128 MB) at a time.
        per_block = max(1, 2**24 // max(1, len(model.factor_names) * model.m))
        blocks = [model.factor_matrices(block).sum(axis=0) for block in np.array_split(rows, max(1, -(-model.n // per_block)))]
        similarity = np.clip(np.concatenate(blocks) if blocks else np.zeros((0, model.m)), 0.0, 1.0)
    codes = model.rule_codes(rows)
    return Scores(similarity, codes == 0, factors, model, codes)


@dataclass(frozen=True)
class Proposal:
    """A proposed pair with its score in [0, 1] and the reasons behind it."""

    youth_id: str | int
    mentor_id: str | int
    score: float
    reasons: list[Reason]

    def to_dict(self) -> dict:
        return {
            "youth_id": self.youth_id,
            "mentor_id": self.mentor_id,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True)
class Unmatched:
    """A youth left without a mentor, and why.

    ``reason`` is the English sentence; ``code`` and ``data`` say the same for
    any language (see :mod:`matching.explain` for the table).
    """

    youth_id: str | int
    reason: str
    code: str
    data: dict = field(hash=False)

    def to_dict(self) -> dict:
        return {"youth_id": self.youth_id, "reason": self.reason, "code": self.code, "data": self.data}


@dataclass(frozen=True)
class Alternative:
    """A feasible mentor for a youth, ranked by score; ``chosen`` marks the proposed one."""

    mentor_id: str | int
    score: float
    reasons: list[Reason]
    chosen: bool


class MatchResult:
    """The outcome of :func:`propose`: proposals, unmatched youth, and tools to inspect them.

    Attributes
    ----------
    timings : dict of str to float
        Seconds per stage (``features``, ``score_and_prune``, ``assign``,
        ``certify``, ``total``; ``reasons`` once proposals are read).
    """

    def __init__(self, model: FeatureModel, assignment: Assignment, timings: dict) -> None:
        self._model = model
        self._assignment = assignment
        self.timings = timings
        self.config = model.config

    @property
    def model_id(self) -> str | None:
        """Id of the learned model that scored this run; None for the weighted factors."""
        return self.config.model_id

    def lasting_chance(self, youth_id: str | int) -> LastingChance | None:
        """How often matches like this youth's proposal lasted a year, with the uncertainty.

        None when the youth has no proposal, the run used no learned model, or the
        model was fitted on too few outcomes to say.
        """
        learned = self.config.model
        score = self._proposal_scores.get(youth_id)
        return None if learned is None or score is None else learned.lasting_chance(score)

    @cached_property
    def _proposal_scores(self) -> dict:
        return {proposal.youth_id: proposal.score for proposal in self.proposals}

    @property
    def mentor_index_of_youth(self) -> np.ndarray:
        """Mentor index per youth, -1 when unmatched, shape (n,)."""
        return self._assignment.mentor_of

    @property
    def certificate(self) -> dict:
        """How the optimum was certified: candidate pairs, solve rounds, pairs added back."""
        a = self._assignment
        return {"candidate_pairs": a.candidate_pairs, "rounds": a.rounds, "pairs_added": a.pairs_added}

    @cached_property
    def _matched_factors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = np.flatnonzero(self._assignment.mentor_of >= 0)
        cols = self._assignment.mentor_of[rows]
        return rows, cols, self._model.factor_pairs(rows, cols)

    @cached_property
    def proposals(self) -> list[Proposal]:
        """One proposal per matched youth, in youth order."""
        started = time.perf_counter()
        model = self._model
        rows, cols, factors = self._matched_factors
        scores = np.clip(factors @ model.weights, 0.0, 1.0).tolist()
        with _collector_paused():
            reasons = pair_reasons_batch(model, rows, cols, factors)
            proposals = [
                Proposal(model.youth[i].id, model.mentors[j].id, s, r)
                for i, j, s, r in zip(rows.tolist(), cols.tolist(), scores, reasons)
            ]
        self.timings["reasons"] = time.perf_counter() - started
        return proposals

    @cached_property
    def unmatched(self) -> list[Unmatched]:
        """Each youth without a mentor, with the reason in plain words."""
        model = self._model
        rows = np.flatnonzero(self._assignment.mentor_of < 0)
        out = []
        for start in range(0, len(rows), 1024):
            block = rows[start : start + 1024]
            feasible = (model.objective_rows(block, rules_only=True) > -np.inf).sum(axis=1)
            for i, k in zip(block.tolist(), feasible.tolist()):
                code, data = unmatched_code(model, i, k)
                out.append(Unmatched(model.youth[i].id, unmatched_text(code, data), code, data))
        return out

    @property
    def total_score(self) -> float:
        """Sum of the proposed pairs' scores."""
        _, _, factors = self._matched_factors
        return float(np.clip(factors @ self._model.weights, 0.0, 1.0).sum())

    @property
    def objective(self) -> float:
        """What was maximised: total score plus the wait bonus of every matched youth."""
        matched = self._assignment.mentor_of >= 0
        return self.total_score + float(self._model.wait_bonus[matched].sum())

    def alternatives(self, youth_id: str | int, k: int = 3) -> list[Alternative]:
        """The ``k`` best feasible mentors for a youth, best first, the chosen one marked."""
        return self.alternatives_of([youth_id], k)[youth_id]

    def alternatives_of(self, youth_ids: list, k: int = 3, block: int = 256) -> dict:
        """:meth:`alternatives` for many youth at once, a block of youth per pass.

        Returns
        -------
        dict of youth id to list of Alternative
        """
        model = self._model
        unknown = [y for y in youth_ids if y not in model.youth_index]
        if unknown:
            raise KeyError(f"unknown youth id {unknown[0]!r}")
        indices = np.array([model.youth_index[y] for y in youth_ids], dtype=np.int64)
        out: dict = {}
        for start in range(0, len(indices), block):
            rows = indices[start : start + block]
            factors = model.factor_matrices(rows)  # (6, r, m)
            scores = np.clip(np.einsum("f,frm->rm", model.weights, factors), 0.0, 1.0)
            ranked_scores = np.where(model.rule_codes(rows) == 0, scores, -1.0)
            order = np.argsort(-ranked_scores, axis=1, kind="stable")[:, :k]
            pair_rows, pair_cols = [], []
            for local, row in enumerate(rows.tolist()):
                cols = [j for j in order[local].tolist() if ranked_scores[local, j] >= 0.0]
                pair_rows.extend([local] * len(cols))
                pair_cols.extend(cols)
            local_rows, cols = np.array(pair_rows, dtype=np.int64), np.array(pair_cols, dtype=np.int64)
            reasons = pair_reasons_batch(model, rows[local_rows], cols, factors[:, local_rows, cols].T)
            for row in rows.tolist():
                out[model.youth[row].id] = []
            for local, j, r in zip(local_rows.tolist(), cols.tolist(), reasons):
                i = int(rows[local])
                chosen = self._assignment.mentor_of[i]
                out[model.youth[i].id].append(Alternative(model.mentors[j].id, float(scores[local, j]), r, bool(j == chosen)))
        return out

    def check(self) -> list[str]:
        """Every violated rule of the proposals, in words; empty when the result is valid."""
        model, mentor_of = self._model, self._assignment.mentor_of
        problems = []
        matched = np.flatnonzero(mentor_of >= 0)
        load = np.bincount(mentor_of[matched], minlength=model.m)
        for j in np.flatnonzero(load > model.free_capacity).tolist():
            problems.append(
                f"mentor {model.mentors[j].id!r} gets {load[j]} youth but has {model.free_capacity[j]} free places"
            )
        seen = [p.youth_id for p in self.proposals]
        if len(seen) != len(set(seen)):
            problems.append("a youth is proposed more than once")
        for start in range(0, len(matched), 512):
            rows = matched[start : start + 512]
            fails = model.rule_failures(rows)[:, np.arange(len(rows)), mentor_of[rows]]
            for rule_index, local in zip(*np.nonzero(fails)):
                i, j = rows[local], mentor_of[rows[local]]
                problems.append(
                    f"youth {model.youth[i].id!r} with mentor {model.mentors[j].id!r} breaks rule {RULES[rule_index]}"
                )
        return problems

    def blocking_pairs(self) -> int:
        """Feasible youth-mentor pairs that would both rather have each other (a reporting figure)."""
        a = self._assignment
        return count_blocking_pairs(self._model.objective_rows, a.mentor_of, a.similarity, self._model.free_capacity)


def propose(
    youth: list[Youth],
    mentors: list[Mentor],
    config: MatchConfig | None = None,
    *,
    candidates: int = 24,
    reserve: int = 104,
    chunk_size: int = 512,
    mentor_candidates: int = MENTOR_CANDIDATES,
) -> MatchResult:
    """Propose the assignment with the greatest total score plus wait bonus, exactly.

    Scores are computed in chunks of youth and only each youth's ``candidates``
    best feasible mentors enter the assignment graph, the next ``reserve`` are
    kept aside; an LP-duality check (see :mod:`matching.assignment`) proves the
    left-out pairs cannot improve the optimum, adding them back when they could.
    ``candidates``, ``reserve``, ``chunk_size`` and ``mentor_candidates`` change
    speed and memory, never the result.

    Parameters
    ----------
    youth : list of Youth, length n
    mentors : list of Mentor, length m
    config : MatchConfig, optional
    candidates : int
        Mentors per youth in the graph before solving.
    reserve : int
        Further mentors per youth kept for the optimality check.
    chunk_size : int
        Youth scored at once by each thread (memory about ``chunk_size * m * 12`` bytes per thread).
    mentor_candidates : int
        Each mentor's best youth that also enter the first graph.

    Returns
    -------
    MatchResult
    """
    started = time.perf_counter()
    with _collector_paused():
        youth, mentors, config = _prepare(youth, mentors, config)
        model = FeatureModel(youth, mentors, config)
        timings = {"features": time.perf_counter() - started}
        # A mentor no pair is feasible with (not cleared, or full) takes no place in the solver.
        capacity = np.where(np.isfinite(model.mentor_score), model.free_capacity, 0)
        assignment = assign_exact(
            model.objective_rows,
            model.n,
            capacity,
            model.wait_bonus,
            candidates=candidates,
            reserve=reserve,
            chunk_size=chunk_size,
            mentor_candidates=mentor_candidates,
            youth_groups=model.youth_groups(),
        )
    timings.update(assignment.timings)
    timings["total"] = time.perf_counter() - started
    return MatchResult(model, assignment, timings)
