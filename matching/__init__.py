"""MentorMatch's matching engine: scores youth-mentor pairs and proposes exactly optimal matches.

A library with no web or database imports: plain profiles in, proposals with
plain-words reasons out. See ``docs/matching.md`` and :mod:`matching.assignment`
for how optimality is guaranteed at scale.
"""

from matching.additive import MIN_OUTCOMES_FOR_CHANCE, AdditiveModel, LastingChance, ModelFormatError
from matching.config import FACTOR_LABELS, FACTORS, MatchConfig
from matching.engine import Alternative, Exclusion, MatchResult, Proposal, Scores, Unmatched, propose, score
from matching.explain import (
    LEARNED_GROUPS,
    REASON_CODES,
    UNMATCHED_CODES,
    Reason,
    exclusion_text,
    reason_text,
    unmatched_text,
)
from matching.features import RULE_LABELS, RULES
from matching.learning import CalibrationRow, FairnessRow, LearnReport, ShapeTable, learn_weights
from matching.profiles import SLOT_CODES, Mentor, ProfileError, Youth

__all__ = [
    "FACTORS",
    "LEARNED_GROUPS",
    "MIN_OUTCOMES_FOR_CHANCE",
    "REASON_CODES",
    "UNMATCHED_CODES",
    "FACTOR_LABELS",
    "RULES",
    "RULE_LABELS",
    "SLOT_CODES",
    "AdditiveModel",
    "Alternative",
    "CalibrationRow",
    "Exclusion",
    "FairnessRow",
    "LastingChance",
    "LearnReport",
    "MatchConfig",
    "MatchResult",
    "Mentor",
    "ModelFormatError",
    "ProfileError",
    "Proposal",
    "Reason",
    "Scores",
    "ShapeTable",
    "Unmatched",
    "Youth",
    "exclusion_text",
    "learn_weights",
    "propose",
    "reason_text",
    "score",
    "unmatched_text",
]
