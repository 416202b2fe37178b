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
``text_char_similarity``    cosine of the TF-IDF vectors of the texts' character 3- to       rising
                            5-grams within words (so "policing" meets "police"), through
                            :func:`char_vectors`
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
from threadpoolctl import threadpool_limits

SETS = ("interests", "languages", "slots")
SET_MEASURES = ("shared", "jaccard", "youth_covered", "mentor_covered", "cosine", "youth_count", "mentor_count")
TRACK_RECORD_STRENGTH = 4.0
"""Closed matches' worth of the program's own rate mixed into a mentor's record."""
CHAR_NGRAMS = (3, 5)
"""Lengths of the character n-grams of ``text_char_similarity`` (within words, as scikit-learn's ``char_wb``)."""
CHAR_DIMENSIONS = 128
"""Character n-gram vectors with more entries are projected onto this many singular directions."""
CHAR_SVD_TEXTS = 1000
"""Texts (evenly spaced through the cohort) the projection is fitted on; projecting all of them is one product."""


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
        FeatureSpec("text_char_similarity", "Similar words in goals and experience", 1),
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


def _char_tfidf(texts: list[str]) -> sp.csr_matrix | None:
    """``TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True).fit_transform(texts)``
    up to the order of its columns, built word by word (None when no text has a word)."""
    # Imported here, not with the module: see the note in learning.py.
    from sklearn.feature_extraction.text import CountVectorizer

    words: dict[str, int] = {}
    # As ``char_wb`` reads a text: lower case, split at white space.
    tokens = [text.lower().split() for text in texts]
    column = np.fromiter((words.setdefault(w, len(words)) for ws in tokens for w in ws), np.int64)
    if not words:
        return None
    indptr = np.concatenate([[0], np.cumsum([len(ws) for ws in tokens])])
    counts = sp.csr_matrix((np.ones(len(column)), column, indptr), shape=(len(texts), len(words)))
    counts.sum_duplicates()
    per_word = CountVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, lowercase=False).fit_transform(list(words))
    # One entry per text and n-gram (in no particular order within a row).
    grams = sp.csr_matrix(counts @ per_word)
    # Sublinear term frequency, smoothed inverse document frequency, unit rows.
    grams.data = 1.0 + np.log(grams.data)
    df = np.bincount(grams.indices, minlength=grams.shape[1])
    grams.data *= (np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0)[grams.indices]
    row = np.repeat(np.arange(len(texts)), np.diff(grams.indptr))
    norms = np.sqrt(np.bincount(row, grams.data**2, len(texts)))
    grams.data /= norms[row]
    return grams


def char_vectors(texts: list[str]) -> np.ndarray:
    """One vector per text whose dot products are the pairs' ``text_char_similarity``.

    The TF-IDF vectors ``TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
    sublinear_tf=True)`` gives the texts, built word by word: a text's n-gram
    counts are its word counts times each distinct word's n-gram counts, the
    same numbers for a fraction of the work (texts repeat words). With more
    than :data:`CHAR_DIMENSIONS` distinct n-grams they are projected onto the
    top :data:`CHAR_DIMENSIONS` right singular vectors of the TF-IDF vectors of
    up to :data:`CHAR_SVD_TEXTS` of the texts and scaled back to unit length,
    so that scoring a pair costs a short dense product; the projection is
    fitted once per cohort, deterministically. An empty text gives a zero row.

    Parameters
    ----------
    texts : list of str, length t

    Returns
    -------
    ndarray of float64, shape (t, d), d <= CHAR_DIMENSIONS
        Rows of unit length or zero.
    """
    from sklearn.utils.extmath import randomized_svd

    tfidf = _char_tfidf(texts)
    if tfidf is None:
        # No text has a word: every similarity is 0.
        return np.zeros((len(texts), 1))
    with threadpool_limits(limits=1, user_api="blas"):
        if tfidf.shape[1] <= CHAR_DIMENSIONS:
            vectors = tfidf.toarray()
        elif len(texts) <= CHAR_DIMENSIONS:
            # Few texts: their own span, exactly (X = R^T Q^T, so R^T R = X X^T).
            vectors = np.linalg.qr(tfidf.T.toarray(), mode="r").T
        else:
            sample = np.unique(np.linspace(0, len(texts) - 1, min(len(texts), CHAR_SVD_TEXTS)).astype(np.int64))
            _, _, directions = randomized_svd(tfidf[sample], CHAR_DIMENSIONS, n_iter=2, random_state=0)
            vectors = np.asarray(tfidf @ directions.T)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def numeric_values(
    model, rows: np.ndarray, cols: np.ndarray, track_record_prior: float, features: tuple[str, ...] | None = None
) -> np.ndarray:
    """Every numeric feature of given pairs.

    Parameters
    ----------
    model : matching.features.FeatureModel
    rows, cols : ndarray of int, shape (p,)
        Youth and mentor index of each pair.
    track_record_prior : float
        The program's rate of lasting matches, ``p`` of ``mentor_track_record``.
    features : tuple of str, optional
        The features wanted; when given, ``text_char_similarity`` is only
        computed if it is one of them (else its column is ``nan``).

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
    if features is None or "text_char_similarity" in features:
        char_y, char_m = model.text_char
        columns.append(np.clip(np.einsum("pk,pk->p", char_y[rows], char_m[cols]), 0.0, 1.0))
    else:
        columns.append(np.full(len(rows), np.nan))
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
