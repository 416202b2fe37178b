"""Pair features of the learned outcome model: what a pair's profiles say, as numbers.

Every feature comes from fields the profiles already have. Most are functions
of three whole numbers per pair and set -- ``k`` shared items, ``a`` items the
youth lists, ``b`` items the mentor lists -- which is what makes scoring with a
learned model fast: a feature's learned shape is tabulated once over every
``(a, b, k)`` of the cohort and read back by index (see
:class:`matching.learned.LearnedScorer`).

Numeric features (``value`` in a reason's data)
-----------------------------------------------
For each set -- ``interests``, ``languages`` and ``slots`` (weekly availability) --
labels compared case-insensitively:

=======================  ====================================================  ==========
feature                  value                                                 monotone
=======================  ====================================================  ==========
``<set>_shared``         ``k``, how many items both list                       rising
``<set>_jaccard``        ``k / (a + b - k)``, 0 when both lists are empty      rising
``<set>_youth_covered``  ``k / a``: share of the youth's items the mentor has  rising
``<set>_mentor_covered`` ``k / b``: share of the mentor's items the youth has  rising
``<set>_cosine``         ``k / sqrt(a b)``                                     rising
``<set>_youth_count``    ``a``, how many items the youth lists                 free
``<set>_mentor_count``   ``b``, how many items the mentor lists                free
=======================  ====================================================  ==========

and

==========================  ==============================================================  ==========
``text_similarity``         cosine of the TF-IDF word vectors of the two free texts          rising
``miles``                   miles between ZIP centroids; unknown when a ZIP is unknown      falling
``age_gap``                 mentor's age minus the youth's; unknown without the mentor's    free
``mentor_experience_years`` the mentor's years of experience with youth                     free
``mentor_track_record``     ``(L + 4 p) / (L + C + 4) - p``: the mentor's share of matches  rising
                            that lasted (``L`` lasted, ``C`` closed early) shrunk towards
                            the program's rate ``p``, less ``p``. A new mentor scores
                            exactly 0, the same as a mentor with an average record: being
                            new is never a penalty
``days_waiting``            days the youth has waited                                       free
==========================  ==============================================================  ==========

"Rising" means the learned shape can never fall as the value grows (more shared
interests never lower a score); "falling" the reverse (farther never raises it).

Tag features (``tags`` in a reason's data)
------------------------------------------
``interests_shared_tags``  one learned weight (never below 0) per interest both list
``interests_youth_tags``   one learned weight per interest the youth lists
``interests_mentor_tags``  one learned weight per interest the mentor lists

A tag feature's contribution is the sum of its tags' weights, clipped to the
range seen in training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

SETS = ("interests", "languages", "slots")
SET_MEASURES = ("shared", "jaccard", "youth_covered", "mentor_covered", "cosine", "youth_count", "mentor_count")
TRACK_RECORD_STRENGTH = 4.0
"""Closed matches' worth of the program's own rate mixed into a mentor's record."""


@dataclass(frozen=True)
class FeatureSpec:
    """One numeric feature: its name, how a coordinator reads it, and its shape's direction."""

    name: str
    label: str
    monotone: int
    integer: bool = False


def _set_specs() -> list[FeatureSpec]:
    nouns = {"interests": "interests", "languages": "languages", "slots": "weekly time slots"}
    specs = []
    for group in SETS:
        noun = nouns[group]
        specs += [
            FeatureSpec(f"{group}_shared", f"Shared {noun}", 1, integer=True),
            FeatureSpec(f"{group}_jaccard", f"Overlap of all {noun} listed", 1),
            FeatureSpec(f"{group}_youth_covered", f"Share of the youth's {noun} the mentor has", 1),
            FeatureSpec(f"{group}_mentor_covered", f"Share of the mentor's {noun} the youth has", 1),
            FeatureSpec(f"{group}_cosine", f"Similarity of {noun}", 1),
            FeatureSpec(f"{group}_youth_count", f"How many {noun} the youth lists", 0, integer=True),
            FeatureSpec(f"{group}_mentor_count", f"How many {noun} the mentor lists", 0, integer=True),
        ]
    return specs


NUMERIC_FEATURES = tuple(
    _set_specs()
    + [
        FeatureSpec("text_similarity", "Goals and experience in common", 1),
        FeatureSpec("miles", "Miles apart", -1),
        FeatureSpec("age_gap", "Years older than the youth", 0, integer=True),
        FeatureSpec("mentor_experience_years", "Years of experience with youth", 0),
        FeatureSpec("mentor_track_record", "Mentor's record of lasting matches", 1),
        FeatureSpec("days_waiting", "Days the youth has waited", 0, integer=True),
    ]
)
"""Every numeric feature, in the order of the columns of :func:`numeric_values`."""

TAG_FEATURES = {
    "interests_shared_tags": "Shared interests that tend to last",
    "interests_youth_tags": "Youth's interests",
    "interests_mentor_tags": "Mentor's interests",
}
"""Tag features and their labels."""

FEATURE_LABELS = {spec.name: spec.label for spec in NUMERIC_FEATURES} | TAG_FEATURES
SPECS = {spec.name: spec for spec in NUMERIC_FEATURES}


def set_measure(measure: str, k: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One set measure from shared ``k`` and listed ``a`` (youth) and ``b`` (mentor) counts, broadcast."""
    k, a, b = (np.asarray(x, dtype=np.float64) for x in (k, a, b))
    if measure == "shared":
        return k + 0.0 * (a + b)
    if measure == "youth_count":
        return a + 0.0 * (k + b)
    if measure == "mentor_count":
        return b + 0.0 * (k + a)
    denominator = {
        "jaccard": a + b - k,
        "youth_covered": a + 0.0 * b,
        "mentor_covered": b + 0.0 * a,
        "cosine": np.sqrt(a * b),
    }[measure]
    numerator = k + 0.0 * denominator
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def track_record(lasted: np.ndarray, closed_early: np.ndarray, prior: float) -> np.ndarray:
    """The mentor track-record feature (see the module docstring); 0 for a new mentor."""
    lasted, closed_early = np.asarray(lasted, np.float64), np.asarray(closed_early, np.float64)
    return (lasted + TRACK_RECORD_STRENGTH * prior) / (lasted + closed_early + TRACK_RECORD_STRENGTH) - prior


class CohortSets:
    """Binary item matrices and item counts of one cohort, per set.

    Parameters
    ----------
    youth_sets, mentor_sets : dict of str to csr_matrix
        Per set name, a 0/1 matrix of shape (n, v) and (m, v) over a shared vocabulary.
    """

    def __init__(self, youth_sets: dict, mentor_sets: dict) -> None:
        self.youth = {g: sp.csr_matrix(youth_sets[g], dtype=np.float64) for g in SETS}
        self.mentor = {g: sp.csr_matrix(mentor_sets[g], dtype=np.float64) for g in SETS}
        self.youth_count = {g: np.asarray(self.youth[g].sum(axis=1)).ravel().astype(np.int64) for g in SETS}
        self.mentor_count = {g: np.asarray(self.mentor[g].sum(axis=1)).ravel().astype(np.int64) for g in SETS}

    def shared_pairs(self, group: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Shared items of given pairs, shape (p,), int64."""
        product = self.youth[group][rows].multiply(self.mentor[group][cols])
        return np.rint(np.asarray(product.sum(axis=1)).ravel()).astype(np.int64)


def numeric_values(model, rows: np.ndarray, cols: np.ndarray, track_record_prior: float) -> np.ndarray:
    """Every numeric feature of given pairs.

    Parameters
    ----------
    model : matching.features.FeatureModel
    rows, cols : ndarray of int, shape (p,)
        Youth and mentor index of each pair.
    track_record_prior : float
        The program's rate of lasting matches, ``p`` of ``mentor_track_record``.

    Returns
    -------
    ndarray of float64, shape (p, len(NUMERIC_FEATURES))
        ``nan`` where a value is unknown (``miles``, ``age_gap``).
    """
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    sets = model.sets
    columns = []
    for group in SETS:
        k = sets.shared_pairs(group, rows, cols)
        a, b = sets.youth_count[group][rows], sets.mentor_count[group][cols]
        columns += [set_measure(measure, k, a, b) for measure in SET_MEASURES]
    text = np.asarray(model.text_y[rows].multiply(model.text_m[cols]).sum(axis=1)).ravel()
    columns.append(np.clip(text, 0.0, 1.0))
    columns.append(model.pair_miles(rows, cols))
    columns.append(model.age_m[cols] - model.age_y[rows])
    columns.append(model.experience_years[cols])
    columns.append(track_record(model.matches_lasted[cols], model.matches_closed_early[cols], track_record_prior))
    columns.append(model.days_waiting[rows])
    return np.column_stack(columns).astype(np.float64)


def tag_matrices(model, rows: np.ndarray, cols: np.ndarray) -> dict[str, sp.csr_matrix]:
    """0/1 interest matrices of given pairs, each of shape (p, v) over ``model.interest_names``.

    Returns
    -------
    dict with keys of :data:`TAG_FEATURES`
    """
    youth = model.sets.youth["interests"][np.asarray(rows, np.int64)]
    mentor = model.sets.mentor["interests"][np.asarray(cols, np.int64)]
    return {
        "interests_shared_tags": sp.csr_matrix(youth.multiply(mentor)),
        "interests_youth_tags": sp.csr_matrix(youth),
        "interests_mentor_tags": sp.csr_matrix(mentor),
    }
