"""MentorMatch's matching engine: scores youth-mentor pairs and proposes exactly optimal matches.

A library with no web or database imports: plain profiles in, proposals with
plain-words reasons out. See ``docs/matching.md`` and :mod:`matching.assignment`
for how optimality is guaranteed at scale.
"""

from matching.config import FACTOR_LABELS, FACTORS, MatchConfig
from matching.engine import Alternative, Exclusion, MatchResult, Proposal, Scores, Unmatched, propose, score
from matching.explain import REASON_CODES, UNMATCHED_CODES, Reason, exclusion_text, reason_text, unmatched_text
from matching.features import RULE_LABELS, RULES
from matching.learning import LearnReport, learn_weights
from matching.profiles import SLOT_CODES, Mentor, ProfileError, Youth

__all__ = [
    "FACTORS",
    "REASON_CODES",
    "UNMATCHED_CODES",
    "FACTOR_LABELS",
    "RULES",
    "RULE_LABELS",
    "SLOT_CODES",
    "Alternative",
    "Exclusion",
    "LearnReport",
    "MatchConfig",
    "MatchResult",
    "Mentor",
    "ProfileError",
    "Proposal",
    "Reason",
    "Scores",
    "Unmatched",
    "Youth",
    "exclusion_text",
    "learn_weights",
    "propose",
    "reason_text",
    "score",
    "unmatched_text",
]
