"""Fit an additive outcome model: piecewise-linear shapes and tag weights by penalised logistic regression.

Each numeric feature becomes ramp columns between its knots (quantiles of the
training values; every whole number for a whole-number feature with few values)::

    r_k(x) = clip((x - t_{k-1}) / (t_k - t_{k-1}), 0, 1),     g(x) = sum_k d_k r_k(x),

so ``d_k`` is the shape's rise from knot ``k-1`` to knot ``k``. A feature with
unknown values also gets an indicator column: the shape's value when unknown.
Tag features get one 0/1 column per tag seen in at least ``min_tag_pairs``
training pairs. The logistic loss plus ``penalty / 2 * sum d^2`` (the intercept
is free) is minimised by L-BFGS-B, whose bounds make monotone shapes exact:
``d_k >= 0`` for a rising feature, ``d_k <= 0`` for a falling one, and shared-tag
weights ``>= 0`` -- no projection afterwards. Penalising the rises pulls shapes
towards flat, where the data do not say otherwise.

Each fitted shape is then shifted so its mean over the training pairs is 0 (the
intercept takes the shift): a contribution reads as "compared with the average
pair". A tag feature's sum is clipped to the range it took in training. A
shape or tag feature that spans less than :data:`FLAT` in log-odds is left out
of the model (its mean joins the intercept): it would only add a reason that
says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit

from matching.additive import AdditiveModel, Calibration, Shape, TagShape
from matching.learned import TEXT_GRID
from matching.pairfeatures import NUMERIC_FEATURES, TAG_FEATURES

FTOL = 1e-8
"""Relative change of the loss at which the solver stops; far below what moves an AUC."""
MAX_KNOTS = 24
MIN_TAG_PAIRS = 10
FLAT = 0.01
"""A shape whose values span less than this (in log-odds) says nothing a coordinator could act on and is left out."""


@dataclass
class PairTable:
    """Features of a list of pairs, as :func:`fit_additive` and :func:`predict_logit` read them.

    Attributes
    ----------
    numeric : ndarray of float64, shape (p, len(NUMERIC_FEATURES))
        ``nan`` where unknown.
    tags : dict of str to csr_matrix, each of shape (p, v)
        0/1 per tag feature over ``tag_names``.
    tag_names : list of str, length v
        Casefolded tags.
    """

    numeric: np.ndarray
    tags: dict
    tag_names: list

    def take(self, which: np.ndarray) -> PairTable:
        return PairTable(self.numeric[which], {k: v[which] for k, v in self.tags.items()}, self.tag_names)


GRID_FEATURES = {"text_similarity": TEXT_GRID, "text_char_similarity": TEXT_GRID}
"""Features whose knots are rounded to multiples of ``1 / grid``, for a fast exact evaluation (see
:mod:`matching.learned`)."""


def _knots(x: np.ndarray, integer: bool, max_knots: int, grid: int | None = None) -> np.ndarray:
    distinct = np.unique(x)
    if integer and len(distinct) <= max_knots:
        return distinct.astype(np.float64)
    knots = np.unique(np.quantile(x, np.linspace(0.0, 1.0, max_knots)))
    if grid:
        return np.unique(np.round(knots * grid)) / grid
    return np.unique(np.round(knots)) if integer else knots


def _ramps(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Ramp columns of values ``x`` (p,), shape (p, len(knots) - 1); unknown values give 0."""
    x = np.where(np.isnan(x), knots[0], x)[:, None]
    return np.clip((x - knots[None, :-1]) / np.diff(knots)[None, :], 0.0, 1.0)


@dataclass
class _Layout:
    """Which columns of the design matrix belong to which feature."""

    numeric: list  # (feature index, knots, first column, has missing column)
    tags: list  # (feature, tag column indices in tag_names, first column)
    width: int


def _design(table: PairTable, max_knots: int, min_tag_pairs: int) -> tuple[sp.csr_matrix, _Layout, np.ndarray]:
    """Design matrix, its layout, and the lower/upper bounds of each coefficient."""
    blocks, lower, upper, numeric, tags = [], [], [], [], []
    column = 0
    for f, spec in enumerate(NUMERIC_FEATURES):
        x = table.numeric[:, f]
        known = ~np.isnan(x)
        has_missing = bool((~known).any() and known.any())
        if known.sum() == 0 or len(np.unique(x[known])) < 2:
            continue
        knots = _knots(x[known], spec.integer, max_knots, GRID_FEATURES.get(spec.name))
        if len(knots) < 2:
            continue
        ramps = _ramps(x, knots)
        blocks.append(sp.csr_matrix(ramps))
        low, high = {1: (0.0, None), -1: (None, 0.0), 0: (None, None)}[spec.monotone]
        lower += [low] * ramps.shape[1]
        upper += [high] * ramps.shape[1]
        numeric.append((f, knots, column, has_missing))
        column += ramps.shape[1]
        if has_missing:
            blocks.append(sp.csr_matrix((~known).astype(np.float64)[:, None]))
            lower.append(None)
            upper.append(None)
            column += 1
    for feature in TAG_FEATURES:
        matrix = table.tags[feature]
        counts = np.asarray(matrix.sum(axis=0)).ravel()
        chosen = np.flatnonzero((counts >= min_tag_pairs) & (counts < matrix.shape[0]))
        if not len(chosen):
            continue
        blocks.append(sp.csr_matrix(matrix[:, chosen]))
        low = 0.0 if feature == "interests_shared_tags" else None
        lower += [low] * len(chosen)
        upper += [None] * len(chosen)
        tags.append((feature, chosen, column))
        column += len(chosen)
    design = sp.hstack(blocks, format="csr") if blocks else sp.csr_matrix((table.numeric.shape[0], 0))
    return design, _Layout(numeric, tags, column), np.array([lower, upper], dtype=object)


def _fit_logistic(
    design: sp.csr_matrix, y: np.ndarray, bounds: np.ndarray, penalty: float, start: np.ndarray | None = None
) -> np.ndarray:
    """Intercept and coefficients, ``theta`` of shape (width + 1,); ``start`` warm-starts the solver."""
    n, width = design.shape
    design_t = sp.csr_matrix(design.T)
    y = y.astype(np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        intercept, w = theta[0], theta[1:]
        z = design @ w + intercept
        value = float(np.mean(np.logaddexp(0.0, z) - y * z)) + 0.5 * penalty * float(w @ w)
        residual = (expit(z) - y) / n
        gradient = np.concatenate([[residual.sum()], design_t @ residual + penalty * w])
        return value, gradient

    if start is None:
        rate = np.clip(y.mean(), 1e-6, 1 - 1e-6)
        start = np.zeros(width + 1)
        start[0] = np.log(rate / (1 - rate))
    box = [(None, None)] + [(lo, hi) for lo, hi in bounds.T]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=box, options={"maxiter": 1000, "ftol": FTOL})
    return result.x


def fit_additive(
    table: PairTable,
    outcomes: np.ndarray,
    track_record_prior: float,
    penalty: float = 1e-3,
    max_knots: int = MAX_KNOTS,
    min_tag_pairs: int = MIN_TAG_PAIRS,
) -> AdditiveModel:
    """Fit shapes and tag weights to 0/1 ``outcomes`` of the pairs in ``table``.

    Parameters
    ----------
    table : PairTable
        p pairs.
    outcomes : ndarray of int, shape (p,)
    track_record_prior : float
        Recorded in the model: the rate ``mentor_track_record`` was computed with.
    penalty : float
        L2 penalty on shape rises and tag weights, per pair.

    Returns
    -------
    AdditiveModel
        Without calibration (``n_outcomes`` and ``n_lasted`` set); :func:`matching.learn_weights`
        adds it from held-out predictions.
    """
    return fit_additive_path(table, outcomes, track_record_prior, (penalty,), max_knots, min_tag_pairs)[0]


def fit_additive_path(
    table: PairTable,
    outcomes: np.ndarray,
    track_record_prior: float,
    penalties: tuple[float, ...],
    max_knots: int = MAX_KNOTS,
    min_tag_pairs: int = MIN_TAG_PAIRS,
) -> list[AdditiveModel]:
    """:func:`fit_additive` for several penalties on one design, each fit starting from the last.

    Give the penalties largest first: each solution is then a close start for
    the next, and the solver needs far fewer steps than from scratch.
    """
    y = np.asarray(outcomes, dtype=np.float64)
    design, layout, bounds = _design(table, max_knots, min_tag_pairs)
    models, theta = [], None
    for penalty in penalties:
        theta = _fit_logistic(design, y, bounds, penalty, theta)
        models.append(_model(table, y, layout, float(theta[0]), theta[1:], track_record_prior))
    return models


def _model(table: PairTable, y: np.ndarray, layout: _Layout, intercept: float, w: np.ndarray, prior: float) -> AdditiveModel:
    """The fitted coefficients as shapes and tag weights (see the module docstring)."""
    shapes, tag_shapes = [], []
    for f, knots, column, has_missing in layout.numeric:
        rises = w[column : column + len(knots) - 1]
        values = np.concatenate([[0.0], np.cumsum(rises)])
        x = table.numeric[:, f]
        known = ~np.isnan(x)
        missing = float(w[column + len(knots) - 1]) if has_missing else 0.0
        contribution = np.where(known, np.interp(np.where(known, x, knots[0]), knots, values), missing)
        mean = float(contribution.mean())
        intercept += mean
        if max(values.max(), missing) - min(values.min(), missing) < FLAT:
            continue
        if not has_missing:
            # Unknown values never seen in training read as the average pair.
            missing = mean
        shapes.append(
            Shape(NUMERIC_FEATURES[f].name, tuple(knots.tolist()), tuple((values - mean).tolist()), missing - mean)
        )
    for feature, chosen, column in layout.tags:
        weights = w[column : column + len(chosen)]
        sums = table.tags[feature][:, chosen] @ weights
        names = [table.tag_names[c] for c in chosen]
        kept = tuple((name, float(weight)) for name, weight in zip(names, weights) if weight != 0.0)
        if not kept or sums.max() - sums.min() < FLAT:
            intercept += float(sums.mean())
        else:
            tag_shapes.append(TagShape(feature, tuple(sorted(kept)), float(sums.min()), float(sums.max())))
    return AdditiveModel(
        intercept=float(intercept),
        shapes=tuple(shapes),
        tags=tuple(tag_shapes),
        track_record_prior=float(prior),
        n_outcomes=len(y),
        n_lasted=int(y.sum()),
        calibration=Calibration((), (), ()),
    )


def predict_logit(model: AdditiveModel, table: PairTable) -> np.ndarray:
    """Log-odds of lasting for each pair of ``table``, shape (p,)."""
    index = {spec.name: f for f, spec in enumerate(NUMERIC_FEATURES)}
    eta = np.full(table.numeric.shape[0], model.intercept)
    for shape in model.shapes:
        eta += shape.evaluate(table.numeric[:, index[shape.feature]])
    for tag in model.tags:
        eta += np.clip(table.tags[tag.feature] @ tag.weight_vector(table.tag_names), tag.low, tag.high)
    return eta


def calibration_table(logits: np.ndarray, outcomes: np.ndarray, bins: int = 10, min_pairs: int = 30) -> Calibration:
    """Group held-out ``logits`` into up to ``bins`` equal-count bins of at least ``min_pairs`` pairs."""
    logits, outcomes = np.asarray(logits, np.float64), np.asarray(outcomes, np.int64)
    count = max(1, min(bins, len(logits) // max(min_pairs, 1)))
    edges = np.unique(np.quantile(logits, np.linspace(0, 1, count + 1)[1:-1])) if count > 1 else np.zeros(0)
    which = np.searchsorted(edges, logits, side="right")
    pairs = np.bincount(which, minlength=len(edges) + 1)
    lasted = np.bincount(which, weights=outcomes, minlength=len(edges) + 1)
    return Calibration(tuple(edges.tolist()), tuple(int(v) for v in pairs), tuple(int(round(v)) for v in lasted))
