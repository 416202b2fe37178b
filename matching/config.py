"""Matching configuration: the factor weights and rule settings a coordinator sees and edits.

A :class:`MatchConfig` is plain data. It is stored with every matching run
(:meth:`MatchConfig.to_dict` / :meth:`MatchConfig.from_dict`) so a proposal can
always be explained with the weights that produced it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

from matching.additive import AdditiveModel

FACTORS = ("interests", "text", "languages", "availability", "distance", "experience")
"""The similarity factors, in the order used by every array with a factor axis."""

FACTOR_LABELS = {
    "interests": "Shared interests",
    "text": "Goals and experience",
    "languages": "Languages",
    "availability": "Availability",
    "distance": "Distance",
    "experience": "Experience with youth",
}
"""Human-readable label per factor, as a coordinator sees it."""


@dataclass(frozen=True)
class MatchConfig:
    """Factor weights and hard-rule settings for one matching run.

    Parameters
    ----------
    weight_interests, weight_text, weight_languages, weight_availability, weight_distance, weight_experience
        Non-negative weights of the per-factor similarities. The score of a pair is
        the weighted mean of its factor similarities, so only ratios matter.
    distance_scale_miles
        Distance similarity is ``exp(-miles / distance_scale_miles)``: 1 next door,
        0.37 at the scale distance.
    default_max_travel_miles
        Travel limit for a youth who stated none; ``None`` means no limit.
    wait_priority_weight
        Bonus added to the objective for matching a youth at all, at full wait.
        It favours long-waiting youth when mentors are scarce; it never changes
        which mentor is best for a given youth.
    wait_full_days
        Days of waiting at which the wait bonus reaches ``wait_priority_weight``.
    require_shared_slot
        Make "at least one shared weekly slot" a hard rule.
    do_not_match
        ``(youth_id, mentor_id)`` pairs a coordinator has ruled out.
    model
        A learned outcome model (:class:`matching.additive.AdditiveModel`), as
        returned by :func:`matching.learn_weights`. When set, a pair's score is
        the sum of the model's feature contributions instead of the weighted
        factors (the weights are kept, unused, for a coordinator to compare);
        when None (the default), scores are the weighted factors.
    """

    weight_interests: float = 0.30
    weight_text: float = 0.15
    weight_languages: float = 0.10
    weight_availability: float = 0.15
    weight_distance: float = 0.20
    weight_experience: float = 0.10
    distance_scale_miles: float = 10.0
    default_max_travel_miles: float | None = None
    wait_priority_weight: float = 0.10
    wait_full_days: int = 180
    require_shared_slot: bool = True
    do_not_match: frozenset = field(default_factory=frozenset)
    model: AdditiveModel | None = None

    def __post_init__(self) -> None:
        for factor in FACTORS:
            weight = getattr(self, f"weight_{factor}")
            if not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
                raise ValueError(f"weight_{factor} must be a finite number >= 0, got {weight!r}")
        if sum(self.weights.values()) <= 0:
            raise ValueError("at least one factor weight must be > 0")
        if not self.distance_scale_miles > 0:
            raise ValueError("distance_scale_miles must be > 0")
        if self.default_max_travel_miles is not None and not self.default_max_travel_miles > 0:
            raise ValueError("default_max_travel_miles must be > 0 or None")
        if not self.wait_priority_weight >= 0:
            raise ValueError("wait_priority_weight must be >= 0")
        if not (isinstance(self.wait_full_days, int) and self.wait_full_days > 0):
            raise ValueError("wait_full_days must be an int > 0")
        pairs = frozenset(tuple(pair) for pair in self.do_not_match)
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("do_not_match must hold (youth_id, mentor_id) pairs")
        object.__setattr__(self, "do_not_match", pairs)
        if self.model is not None and not isinstance(self.model, AdditiveModel):
            raise ValueError("model must be an AdditiveModel or None")

    @property
    def weights(self) -> dict[str, float]:
        """Factor name -> weight, in :data:`FACTORS` order."""
        return {factor: float(getattr(self, f"weight_{factor}")) for factor in FACTORS}

    def with_weights(self, weights: dict[str, float]) -> MatchConfig:
        """Return a copy with the given factor weights replaced."""
        unknown = set(weights).difference(FACTORS)
        if unknown:
            raise ValueError(f"unknown factors {sorted(unknown)}")
        return replace(self, **{f"weight_{name}": float(value) for name, value in weights.items()})

    @property
    def model_id(self) -> str | None:
        """Id of the learned model that scores with this config, None for the weighted factors."""
        return None if self.model is None else self.model.id

    def to_dict(self) -> dict:
        """Plain JSON-ready data; ``do_not_match`` becomes a sorted list of ``[youth_id, mentor_id]``.

        ``model`` appears only when a learned model is set, as its
        ``mentormatch.additive/1`` data, so settings stored before learned
        models existed read and compare unchanged.
        """
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("do_not_match", "model")}
        data["do_not_match"] = sorted(([y, m] for y, m in self.do_not_match), key=repr)
        if self.model is not None:
            data["model"] = self.model.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> MatchConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        known = {f.name for f in fields(cls)}
        unknown = set(data).difference(known)
        if unknown:
            raise ValueError(f"unknown MatchConfig keys {sorted(unknown)}")
        values = dict(data)
        if "do_not_match" in values:
            values["do_not_match"] = frozenset(tuple(pair) for pair in values["do_not_match"])
        if values.get("model") is not None:
            values["model"] = AdditiveModel.from_dict(values["model"])
        return cls(**values)
