"""The learned outcome model: an additive logit of per-feature shapes, stored as plain JSON data.

A pair's log-odds of a lasting match is ::

    eta = intercept + sum_f g_f(x_f)

with one shape ``g_f`` per feature (:mod:`matching.pairfeatures`):

* a numeric feature's shape is piecewise linear through its knots (``knots``,
  ``values``), flat beyond the first and last knot, with its own value
  ``missing`` for an unknown value;
* a tag feature's shape is the sum of its tags' weights, clipped to
  ``[low, high]``.

Scores in [0, 1] and reasons
----------------------------
The engine's score is the logit mapped affinely onto [0, 1]: with ``lo_f`` and
``hi_f`` the least and greatest value of shape ``f``, ``LO = sum lo_f`` and
``R = sum (hi_f - lo_f)``, ::

    score = (eta - intercept - LO) / R = sum_f c_f,     c_f = (g_f(x_f) - lo_f) / R in [0, 1].

So a score is exactly the sum of its reasons' contributions ``c_f``, the worst
possible pair scores 0 and the best 1, scores rank pairs as the logit does, and
the logit is recovered from a score: ``eta = intercept + LO + R * score``. The
assignment maximises the sum of scores, an affine function of the summed
logits, so it stays the exact optimum of a linear objective.

Calibration
-----------
``calibration`` holds out-of-fold predictions of the cross-validation in
:func:`matching.learn_weights`, grouped into bins of the logit: how many pairs
fell in each and how many of them lasted. :meth:`AdditiveModel.lasting_chance`
answers "about 7 in 10 matches like this lasted a year" with the bin's observed
rate and its 90 % Wilson interval, and only when the model was fitted on at least
:data:`MIN_OUTCOMES_FOR_CHANCE` outcomes (else ``None``).

Stored form
-----------
:meth:`AdditiveModel.to_dict` is plain JSON data, never pickle::

    {"format": "mentormatch.additive/1", "id": "<12 hex digits>", "intercept": ...,
     "shapes": [{"feature": "miles", "knots": [...], "values": [...], "missing": ...}, ...],
     "tags": [{"feature": "interests_shared_tags", "weights": {"k9": 0.4}, "low": 0, "high": 1.2}, ...],
     "track_record_prior": 0.42, "n_outcomes": 900, "n_lasted": 380,
     "calibration": {"edges": [...], "pairs": [...], "lasted": [...]}}

``id`` is a digest of everything else, so a run that records it names exactly the
model that scored it. :meth:`AdditiveModel.from_dict` checks the format and every
field and raises :class:`ModelFormatError` naming the field.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

import numpy as np

from matching.pairfeatures import FEATURE_LABELS, SPECS, TAG_FEATURES

FORMAT = "mentormatch.additive/1"
MIN_OUTCOMES_FOR_CHANCE = 200
"""Fewest closed matches a model must be fitted on before it states a chance of lasting."""
WILSON_Z = 1.6449
"""90 % two-sided normal quantile for the Wilson interval."""


class ModelFormatError(ValueError):
    """Stored model data is not a valid ``mentormatch.additive/1`` model; the message names the field."""


@dataclass(frozen=True)
class Shape:
    """A numeric feature's learned shape: piecewise linear through ``knots`` (increasing)."""

    feature: str
    knots: tuple[float, ...]
    values: tuple[float, ...]
    missing: float

    @property
    def low(self) -> float:
        return min(min(self.values), self.missing)

    @property
    def high(self) -> float:
        return max(max(self.values), self.missing)

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """Log-odds contribution at values ``x`` (any shape); ``nan`` reads as missing."""
        x = np.asarray(x, dtype=np.float64)
        unknown = np.isnan(x)
        value = np.interp(np.where(unknown, self.knots[0], x), self.knots, self.values)
        return np.where(unknown, self.missing, value)


@dataclass(frozen=True)
class TagShape:
    """A tag feature's learned weights (casefolded tag, weight), summed and clipped to ``[low, high]``."""

    feature: str
    weights: tuple[tuple[str, float], ...]
    low: float
    high: float

    def weight_vector(self, names: list[str]) -> np.ndarray:
        """Weight of each of a cohort's (casefolded) tag ``names``; 0 for tags the model never saw."""
        lookup = dict(self.weights)
        return np.array([lookup.get(name, 0.0) for name in names], dtype=np.float64)


@dataclass(frozen=True)
class Calibration:
    """Out-of-fold outcomes per bin of the logit: bin ``b`` is ``edges[b-1] <= eta < edges[b]``."""

    edges: tuple[float, ...]
    pairs: tuple[int, ...]
    lasted: tuple[int, ...]


@dataclass(frozen=True)
class LastingChance:
    """How often matches like this one lasted a year, with the uncertainty.

    ``probability`` is the model's own estimate for the pair; ``observed`` the share
    that lasted among the ``similar`` held-out pairs with a logit in the same bin,
    and ``low`` to ``high`` its 90 % interval.
    """

    probability: float
    observed: float
    low: float
    high: float
    similar: int

    def to_dict(self) -> dict:
        return {
            "probability": self.probability,
            "observed": self.observed,
            "low": self.low,
            "high": self.high,
            "similar": self.similar,
        }


def wilson_interval(successes: int, trials: int, z: float = WILSON_Z) -> tuple[float, float]:
    """Wilson score interval of a proportion; (0, 1) for no trials."""
    if trials == 0:
        return 0.0, 1.0
    rate = successes / trials
    centre = (rate + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class AdditiveModel:
    """A fitted additive outcome model (see the module docstring). Plain, immutable data."""

    intercept: float
    shapes: tuple[Shape, ...]
    tags: tuple[TagShape, ...]
    track_record_prior: float
    n_outcomes: int
    n_lasted: int
    calibration: Calibration

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names in contribution order: numeric shapes, then tag features."""
        return tuple(s.feature for s in self.shapes) + tuple(t.feature for t in self.tags)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(FEATURE_LABELS[f] for f in self.features)

    @property
    def lows(self) -> np.ndarray:
        return np.array([s.low for s in self.shapes] + [t.low for t in self.tags], dtype=np.float64)

    @property
    def span(self) -> float:
        """``R``: the logit range that maps onto scores 0 to 1 (1 for a model whose shapes are all flat)."""
        highs = np.array([s.high for s in self.shapes] + [t.high for t in self.tags], dtype=np.float64)
        total = float((highs - self.lows).sum())
        return total if total > 0 else 1.0

    @property
    def id(self) -> str:
        """12 hex digits identifying this model's content."""
        body = self._body()
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]

    def logit(self, score: float | np.ndarray) -> float | np.ndarray:
        """The log-odds of lasting of a pair with this ``score``."""
        return self.intercept + float(self.lows.sum()) + self.span * np.asarray(score, dtype=np.float64)

    def probability(self, score: float | np.ndarray) -> float | np.ndarray:
        """The model's probability that a pair with this ``score`` lasts a year."""
        return 1.0 / (1.0 + np.exp(-self.logit(score)))

    def lasting_chance(self, score: float) -> LastingChance | None:
        """How often matches like a pair with this ``score`` lasted; None with too little history."""
        if self.n_outcomes < MIN_OUTCOMES_FOR_CHANCE or not self.calibration.pairs:
            return None
        eta = float(self.logit(score))
        b = int(np.searchsorted(np.asarray(self.calibration.edges), eta, side="right"))
        pairs, lasted = self.calibration.pairs[b], self.calibration.lasted[b]
        low, high = wilson_interval(lasted, pairs)
        observed = lasted / pairs if pairs else float("nan")
        return LastingChance(float(1.0 / (1.0 + math.exp(-eta))), observed, low, high, pairs)

    # -- plain data -----------------------------------------------------------------

    def _body(self) -> dict:
        return {
            "intercept": self.intercept,
            "shapes": [
                {"feature": s.feature, "knots": list(s.knots), "values": list(s.values), "missing": s.missing}
                for s in self.shapes
            ],
            "tags": [
                {"feature": t.feature, "weights": dict(t.weights), "low": t.low, "high": t.high} for t in self.tags
            ],
            "track_record_prior": self.track_record_prior,
            "n_outcomes": self.n_outcomes,
            "n_lasted": self.n_lasted,
            "calibration": {
                "edges": list(self.calibration.edges),
                "pairs": list(self.calibration.pairs),
                "lasted": list(self.calibration.lasted),
            },
        }

    def to_dict(self) -> dict:
        """Plain JSON-ready data in the ``mentormatch.additive/1`` format."""
        return {"format": FORMAT, "id": self.id, **self._body()}

    @classmethod
    def from_dict(cls, data: dict) -> AdditiveModel:
        """Validate and read :meth:`to_dict` data; :class:`ModelFormatError` names the first bad field."""
        if not isinstance(data, dict):
            raise ModelFormatError(f"model must be a JSON object, got {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise ModelFormatError(f"model format must be {FORMAT!r}, got {data.get('format')!r}")
        known = {"format", "id", "intercept", "shapes", "tags", "track_record_prior", "n_outcomes", "n_lasted",
                 "calibration"}  # fmt: skip
        unknown = sorted(set(data).difference(known))
        if unknown:
            raise ModelFormatError(f"model has unknown fields {unknown}")
        shapes = tuple(_read_shape(i, s) for i, s in enumerate(_list(data, "shapes")))
        tags = tuple(_read_tags(i, t) for i, t in enumerate(_list(data, "tags")))
        names = [s.feature for s in shapes] + [t.feature for t in tags]
        if len(set(names)) != len(names):
            raise ModelFormatError("model names a feature twice")
        calibration = data.get("calibration")
        if not isinstance(calibration, dict):
            raise ModelFormatError("calibration must be an object with edges, pairs and lasted")
        edges = _numbers(calibration, "calibration.edges", calibration.get("edges"))
        pairs = _counts("calibration.pairs", calibration.get("pairs"))
        lasted = _counts("calibration.lasted", calibration.get("lasted"))
        if pairs and (len(pairs) != len(edges) + 1 or len(lasted) != len(pairs)):
            raise ModelFormatError("calibration needs one more pairs and lasted count than edges")
        if any(b < a for a, b in zip(edges, edges[1:])) or any(k > n for k, n in zip(lasted, pairs)):
            raise ModelFormatError("calibration edges must increase and lasted never exceed pairs")
        prior = _number(data, "track_record_prior")
        if not 0.0 <= prior <= 1.0:
            raise ModelFormatError("track_record_prior must be between 0 and 1")
        model = cls(
            intercept=_number(data, "intercept"),
            shapes=shapes,
            tags=tags,
            track_record_prior=prior,
            n_outcomes=_count(data, "n_outcomes"),
            n_lasted=_count(data, "n_lasted"),
            calibration=Calibration(tuple(edges), tuple(pairs), tuple(lasted)),
        )
        if "id" in data and data["id"] != model.id:
            raise ModelFormatError(f"model id {data['id']!r} does not match its content ({model.id!r})")
        return model


def _list(data: dict, name: str) -> list:
    value = data.get(name)
    if not isinstance(value, list):
        raise ModelFormatError(f"{name} must be a list")
    return value


def _number(data: dict, name: str, label: str | None = None) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ModelFormatError(f"{label or name} must be a finite number, got {value!r}")
    return float(value)


def _count(data: dict, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ModelFormatError(f"{name} must be a whole number >= 0, got {value!r}")
    return value


def _numbers(_: dict, label: str, value: object) -> list[float]:
    if not isinstance(value, list):
        raise ModelFormatError(f"{label} must be a list of numbers")
    return [_number({"x": v}, "x", label) for v in value]


def _counts(label: str, value: object) -> list[int]:
    if not isinstance(value, list):
        raise ModelFormatError(f"{label} must be a list of whole numbers")
    return [_count({label: v}, label) for v in value]


def _read_shape(index: int, data: object) -> Shape:
    where = f"shapes[{index}]"
    if not isinstance(data, dict) or set(data) != {"feature", "knots", "values", "missing"}:
        raise ModelFormatError(f"{where} must have exactly feature, knots, values and missing")
    feature = data["feature"]
    if feature not in SPECS:
        raise ModelFormatError(f"{where}.feature {feature!r} is not a numeric feature of this engine")
    knots = _numbers(data, f"{where}.knots", data["knots"])
    values = _numbers(data, f"{where}.values", data["values"])
    if len(knots) < 1 or len(knots) != len(values):
        raise ModelFormatError(f"{where} needs as many values as knots, at least one")
    if any(b <= a for a, b in zip(knots, knots[1:])):
        raise ModelFormatError(f"{where}.knots must strictly increase")
    return Shape(feature, tuple(knots), tuple(values), _number(data, "missing", f"{where}.missing"))


def _read_tags(index: int, data: object) -> TagShape:
    where = f"tags[{index}]"
    if not isinstance(data, dict) or set(data) != {"feature", "weights", "low", "high"}:
        raise ModelFormatError(f"{where} must have exactly feature, weights, low and high")
    if data["feature"] not in TAG_FEATURES:
        raise ModelFormatError(f"{where}.feature {data['feature']!r} is not a tag feature of this engine")
    weights = data["weights"]
    if not isinstance(weights, dict) or not all(isinstance(k, str) for k in weights):
        raise ModelFormatError(f"{where}.weights must map tags to numbers")
    pairs = tuple(sorted((k, _number(weights, k, f"{where}.weights[{k!r}]")) for k in weights))
    low, high = _number(data, "low", f"{where}.low"), _number(data, "high", f"{where}.high")
    if low > high:
        raise ModelFormatError(f"{where}.low must not exceed high")
    return TagShape(data["feature"], pairs, low, high)
