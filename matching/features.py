"""Per-factor similarity features and hard-rule masks for a cohort of youth and mentors.

:class:`FeatureModel` turns the profiles into arrays once, then answers three
kinds of question without Python loops over pairs:

* :meth:`FeatureModel.factor_matrices` -- every factor's similarity for a block
  of youth against all mentors (float64; used by :func:`matching.score`);
* :meth:`FeatureModel.objective_rows` -- the weighted score for a block of youth,
  ``-inf`` where a hard rule fails (float32; the fast path of
  :func:`matching.propose`, computed chunk by chunk so the full ``n x m`` matrix
  never exists at once);
* :meth:`FeatureModel.rule_codes` -- which hard rule, first in :data:`RULES`
  order, excludes each pair.

Factor similarities, each in [0, 1]:

``interests``    cosine of the binarised interest tags (case-insensitive);
``text``         cosine of TF-IDF vectors of the free text (goals / bio);
``languages``    share of the youth's languages the mentor speaks;
``availability`` cosine of the weekly slot vectors;
``distance``     ``exp(-miles / distance_scale_miles)`` between ZIP centroids, 0 if unknown;
``experience``   half ``min(years with youth / 5, 1)``, half an age-gap fit that is 1
                 for a mentor 8 to 30 years older, falling linearly to 0 at 0 and 50
                 years, and 0.5 when the mentor's age is unknown.

The score of a pair is ``sum_f w_f * s_f / sum_f w_f``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matching.config import FACTORS, MatchConfig
from matching.geo import haversine_miles, zip_centroids
from matching.learned import LearnedScorer
from matching.pairfeatures import CohortSets, char_vectors, track_record
from matching.profiles import SLOT_CODES, Mentor, Youth

RULES = (
    "program",
    "cleared",
    "capacity",
    "gender",
    "language",
    "distance",
    "availability",
    "do_not_match",
)
"""Hard rules in the fixed order used to name the first rule that excludes a pair."""

RULE_LABELS = {
    "program": "Same program",
    "cleared": "Mentor cleared",
    "capacity": "Mentor has free capacity",
    "gender": "Youth's mentor-gender preference",
    "language": "Youth's required language",
    "distance": "Youth's maximum travel distance",
    "availability": "At least one shared weekly slot",
    "do_not_match": "Coordinator's do-not-match list",
}

EXPERIENCE_FULL_YEARS = 5.0
PLACE_TABLE_LIMIT = 2**26
"""Largest place table (youth place classes x mentors, float32: 256 MB) worth expanding; a
row gather from it is about ten times faster than gathering the two class tables per chunk."""
AGE_GAP_IDEAL = (8.0, 30.0)
AGE_GAP_ZERO = (0.0, 50.0)


def age_gap_fit(gap: np.ndarray) -> np.ndarray:
    """Fit of a mentor ``gap`` years older than the youth, in [0, 1]; ``nan`` gap -> 0.5."""
    low = np.clip((gap - AGE_GAP_ZERO[0]) / (AGE_GAP_IDEAL[0] - AGE_GAP_ZERO[0]), 0.0, 1.0)
    high = np.clip((AGE_GAP_ZERO[1] - gap) / (AGE_GAP_ZERO[1] - AGE_GAP_IDEAL[1]), 0.0, 1.0)
    return np.where(np.isnan(gap), 0.5, np.minimum(low, high))


def _row_normalised(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ matrix)


def _binarise(youth_labels: list, mentor_labels: list) -> tuple[sp.csr_matrix, sp.csr_matrix, list]:
    """Multi-label binarise both sides over a shared, sorted vocabulary of casefolded labels.

    Built from flat lists rather than a set per profile: tens of thousands of
    small sets cost more in allocation and garbage collection than the counting.

    Parameters
    ----------
    youth_labels, mentor_labels : list of collections of str, lengths n and m

    Returns
    -------
    youth_matrix, mentor_matrix : csr_matrix of float64, shapes (n, v) and (m, v)
        1 where the profile has the label.
    names : list of str, length v
    """
    folded = [[t.casefold() for t in labels] for labels in youth_labels + mentor_labels]
    names = sorted({t for labels in folded for t in labels})
    column = {name: c for c, name in enumerate(names)}
    indices = np.fromiter((column[t] for labels in folded for t in labels), np.int64)
    indptr = np.concatenate([[0], np.cumsum([len(labels) for labels in folded])])
    matrix = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(folded), len(names)))
    # Two spellings of one label in a profile ("K9", "k9") sum to 2: count it once.
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    n = len(youth_labels)
    return sp.csr_matrix(matrix[:n]), sp.csr_matrix(matrix[n:]), names


def _classes(keys: list) -> tuple[np.ndarray, list]:
    """Index of each key among the distinct keys, in first-seen order."""
    index: dict = {}
    codes = np.fromiter((index.setdefault(key, len(index)) for key in keys), np.int64, len(keys))
    return codes, list(index)


def _row_classes(columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row among the distinct rows of a numeric ``(n, d)`` array, and those rows ``(c, d)``.

    Vectorised, unlike :func:`_classes`: no tuple per profile to allocate.
    """
    keys, codes = np.unique(columns, axis=0, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), keys


class FeatureModel:
    """Features of one cohort, built once and queried by blocks of youth rows.

    Parameters
    ----------
    youth : list of Youth, length n
    mentors : list of Mentor, length m
    config : MatchConfig
    """

    def __init__(self, youth: list[Youth], mentors: list[Mentor], config: MatchConfig) -> None:
        self.youth, self.mentors, self.config = youth, mentors, config
        self.n, self.m = len(youth), len(mentors)
        self.learned_model = config.model
        self.learned: LearnedScorer | None = None
        if config.model is None:
            weights = np.array([config.weights[f] for f in FACTORS])
            self.weights = weights / weights.sum()
            self.factor_names = FACTORS
        else:
            # A learned score is the plain sum of its features' contributions.
            self.factor_names = config.model.features
            self.weights = np.ones(len(self.factor_names))
        self.youth_index = {y.id: i for i, y in enumerate(youth)}
        self.mentor_index = {m.id: j for j, m in enumerate(mentors)}
        self._text_char: tuple[np.ndarray, np.ndarray] | None = None
        self._build_labels()
        self._build_text()
        self._build_places_and_ages()
        self._build_rule_tables()
        self._build_fast_path()

    # -- construction -------------------------------------------------------------

    def _build_labels(self) -> None:
        youth, mentors = self.youth, self.mentors
        interests_y, interests_m, names = _binarise([y.interests for y in youth], [m.interests for m in mentors])
        self.interest_names = names
        self.interests_y, self.interests_m = _row_normalised(interests_y), _row_normalised(interests_m)

        langs_y, langs_m, names = _binarise([y.languages for y in youth], [m.languages for m in mentors])
        self.language_names = names
        counts = np.asarray(langs_y.sum(axis=1)).ravel()
        scale = np.divide(1.0, counts, out=np.zeros_like(counts), where=counts > 0)
        self.languages_y = sp.csr_matrix(sp.diags(scale) @ langs_y)
        self.languages_m = langs_m

        slot_column = {code: c for c, code in enumerate(SLOT_CODES)}
        self.slots_y = self._slot_matrix(youth, slot_column)
        self.slots_m = self._slot_matrix(mentors, slot_column)
        self.slot_cosine_y = self._unit_rows(self.slots_y)
        self.slot_cosine_m = self._unit_rows(self.slots_m)
        self.sets = CohortSets(
            {"interests": interests_y, "languages": langs_y, "slots": sp.csr_matrix(self.slots_y)},
            {"interests": interests_m, "languages": langs_m, "slots": sp.csr_matrix(self.slots_m)},
        )

    @staticmethod
    def _slot_matrix(profiles: list, slot_column: dict) -> np.ndarray:
        matrix = np.zeros((len(profiles), len(SLOT_CODES)))
        for row, profile in enumerate(profiles):
            matrix[row, [slot_column[s] for s in profile.slots]] = 1.0
        return matrix

    @staticmethod
    def _unit_rows(matrix: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)

    def _build_text(self) -> None:
        # Imported here, not with the module: see the note in learning.py.
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [y.text for y in self.youth] + [m.text for m in self.mentors]
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        try:
            tfidf = sp.csr_matrix(self.vectorizer.fit_transform(texts))
            self.text_terms = self.vectorizer.get_feature_names_out()
        except ValueError:
            # Every text is empty or stop words only: the text factor is 0 for all pairs.
            tfidf = sp.csr_matrix((len(texts), 1))
            self.text_terms = np.array([""])
        self.text_y, self.text_m = tfidf[: self.n], tfidf[self.n :]
        self.text_m_t = sp.csc_matrix(self.text_m.T)

    @property
    def text_char(self) -> tuple[np.ndarray, np.ndarray]:
        """Youth and mentor character n-gram vectors (:func:`matching.pairfeatures.char_vectors`).

        Built on first use: only a learned model with ``text_char_similarity``
        (and learning) reads them, so the weighted score never pays for them.
        """
        if self._text_char is None:
            vectors = char_vectors([y.text for y in self.youth] + [m.text for m in self.mentors])
            self._text_char = (vectors[: self.n], vectors[self.n :])
        return self._text_char

    def _build_places_and_ages(self) -> None:
        youth, mentors, config = self.youth, self.mentors, self.config
        zip_codes = sorted({p.zip for p in youth} | {p.zip for p in mentors})
        zip_row = {code: r for r, code in enumerate(zip_codes)}
        centroids = zip_centroids(zip_codes)
        self.zip_miles = haversine_miles(centroids, centroids)
        self.zip_y = np.array([zip_row[y.zip] for y in youth], dtype=np.int64)
        self.zip_m = np.array([zip_row[m.zip] for m in mentors], dtype=np.int64)

        default_limit = config.default_max_travel_miles
        self.travel_limit = np.array(
            [
                y.max_travel_miles if y.max_travel_miles is not None else (default_limit or np.inf)
                for y in youth
            ],
            dtype=np.float64,
        )
        self.age_y = np.array([y.age for y in youth], dtype=np.float64)
        self.age_m = np.array([np.nan if m.age is None else m.age for m in mentors], dtype=np.float64)
        years = np.array([m.youth_experience_years for m in mentors], dtype=np.float64)
        self.experience_years = years
        self.matches_lasted = np.array([m.matches_lasted for m in mentors], dtype=np.float64)
        self.matches_closed_early = np.array([m.matches_closed_early for m in mentors], dtype=np.float64)
        self.days_waiting = np.array([y.days_waiting for y in youth], dtype=np.float64)
        self.years_fit = np.minimum(years / EXPERIENCE_FULL_YEARS, 1.0)
        self.free_capacity = np.array([m.free_capacity for m in mentors], dtype=np.int64)
        self.cleared = np.array([m.cleared for m in mentors], dtype=bool)

        # Distance and age enter a pair only through (youth ZIP, limit, age) and
        # (mentor ZIP, age): a small class table replaces per-pair trigonometry.
        self.place_y, place_y_keys = _row_classes(np.column_stack([self.zip_y, self.travel_limit, self.age_y]))
        self.place_m, place_m_keys = _row_classes(np.column_stack([self.zip_m, np.nan_to_num(self.age_m, nan=-1.0)]))
        yz, ylimit, yage = place_y_keys.reshape(-1, 3).T
        mz, mage = place_m_keys.reshape(-1, 2).T
        mage = np.where(mage < 0, np.nan, mage)
        miles = self.zip_miles[yz.astype(np.int64)][:, mz.astype(np.int64)]
        self.place_miles = miles
        self.place_distance_sim = np.where(np.isnan(miles), 0.0, np.exp(-np.nan_to_num(miles) / config.distance_scale_miles))
        self.place_age_gap = mage[None, :] - yage[:, None]
        self.place_age_fit = age_gap_fit(self.place_age_gap)
        limited = np.isfinite(ylimit)[:, None]
        # nan <= limit is False, so an unknown ZIP fails any stated limit.
        self.place_travel_ok = ~limited | (miles <= ylimit[:, None])

    def _build_rule_tables(self) -> None:
        youth, mentors = self.youth, self.mentors
        self.program_class, program_keys = _classes([y.programs for y in youth])
        self.program_ok = np.array(
            [[bool(key & m.programs) for m in mentors] for key in program_keys], dtype=bool
        ).reshape(len(program_keys), self.m)

        self.gender_class, gender_keys = _classes([y.mentor_gender_preference for y in youth])
        mentor_gender = np.array([m.gender for m in mentors], dtype=object)
        self.gender_ok = np.array(
            [np.ones(self.m, bool) if key is None else mentor_gender == key for key in gender_keys],
            dtype=bool,
        ).reshape(len(gender_keys), self.m)

        self.language_class, language_keys = _classes(
            [None if y.required_language is None else y.required_language.casefold() for y in youth]
        )
        mentor_languages = [{t.casefold() for t in m.languages} for m in mentors]
        self.language_ok = np.array(
            [[key is None or key in spoken for spoken in mentor_languages] for key in language_keys],
            dtype=bool,
        ).reshape(len(language_keys), self.m)

        self.has_capacity = self.free_capacity > 0
        pairs = [
            (self.youth_index[y], self.mentor_index[m])
            for y, m in self.config.do_not_match
            if y in self.youth_index and m in self.mentor_index
        ]
        self.blocked_pairs = np.array(pairs, dtype=np.int64).reshape(-1, 2)

    def _build_fast_path(self) -> None:
        # Short texts over a small vocabulary make the sparse text product nearly
        # dense; then one dense product (BLAS, all cores) beats it by far. The
        # estimate compares multiply-adds, dense ones being far cheaper each (measured: over 100x).
        df_y = np.bincount(self.text_y.indices, minlength=self.text_y.shape[1])
        df_m = np.bincount(self.text_m.indices, minlength=self.text_m.shape[1])
        vocabulary = self.text_y.shape[1]
        self.text_is_dense = vocabulary <= 2048 and self.n * self.m * vocabulary <= 256 * float(df_y @ df_m)
        mentor_ok = self.cleared & self.has_capacity
        if self.learned_model is None:
            place, mentor = self._build_weighted_terms()
        else:
            self.learned = LearnedScorer(self, self.learned_model)
            place, mentor = self.learned.place_total, self.learned.mentor_total
        self.place_score = np.where(self.place_travel_ok, place, -np.inf).astype(np.float32)
        self.mentor_score = np.where(mentor_ok, mentor, -np.inf).astype(np.float32)
        # With few place classes, one table row per class and a column per
        # mentor (mentor terms folded in) turns two gathers and an add into one
        # contiguous row gather per chunk.
        if self.place_score.shape[0] * self.m <= PLACE_TABLE_LIMIT:
            self.place_table = np.take(self.place_score, self.place_m, axis=1) + self.mentor_score[None, :]
        else:
            self.place_table = None
        # Program, gender and language depend on the youth only through a few
        # classes; as an additive 0 / -inf table they cost one add per chunk,
        # where a boolean mask write costs several times more.
        self.constraint_class, keys = _row_classes(
            np.column_stack([self.program_class, self.gender_class, self.language_class])
        )
        constraint_ok = np.array(
            [self.program_ok[p] & self.gender_ok[g] & self.language_ok[lang] for p, g, lang in keys.tolist()],
            dtype=bool,
        ).reshape(len(keys), self.m)
        self.constraint_penalty = np.where(constraint_ok, 0.0, -np.inf).astype(np.float32)
        self.slots_y32 = self.slots_y.astype(np.float32)
        self.slots_m_t32 = np.ascontiguousarray(self.slots_m.T, dtype=np.float32)

    def _build_weighted_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """The hand-weighted score's bilinear arrays; returns its place-class and mentor terms."""
        w = self.weights
        interests, languages, availability = (FACTORS.index(f) for f in ("interests", "languages", "availability"))
        text_weight = w[FACTORS.index("text")]
        youth_parts = [
            w[interests] * self.interests_y.toarray(),
            w[languages] * self.languages_y.toarray(),
            w[availability] * self.slot_cosine_y,
        ]
        mentor_parts = [self.interests_m.toarray(), self.languages_m.toarray(), self.slot_cosine_m]
        if self.text_is_dense:
            youth_parts.append(text_weight * self.text_y.toarray())
            mentor_parts.append(self.text_m.toarray())
        # The bilinear factors fold into one dense product per chunk.
        self.bilinear_y = np.hstack(youth_parts).astype(np.float32)
        self.bilinear_m_t = np.ascontiguousarray(np.hstack(mentor_parts).T, dtype=np.float32)
        self.text_weight = np.float32(text_weight)
        distance, experience = FACTORS.index("distance"), FACTORS.index("experience")
        place = w[distance] * self.place_distance_sim + w[experience] * 0.5 * self.place_age_fit
        return place, w[experience] * 0.5 * self.years_fit

    # -- queries ------------------------------------------------------------------

    def track_record(self, prior: float) -> np.ndarray:
        """Each mentor's track-record feature for a program whose rate of lasting matches is ``prior``, shape (m,)."""
        return track_record(self.matches_lasted, self.matches_closed_early, prior)

    @property
    def wait_bonus(self) -> np.ndarray:
        """Objective bonus for matching each youth at all, shape (n,)."""
        days = np.array([y.days_waiting for y in self.youth], dtype=np.float64)
        return self.config.wait_priority_weight * np.minimum(days / self.config.wait_full_days, 1.0)

    def objective_rows(self, rows: np.ndarray, cols: np.ndarray | None = None, rules_only: bool = False) -> np.ndarray:
        """Weighted scores of a block of youth against mentors, ``-inf`` where infeasible.

        Parameters
        ----------
        rows : ndarray of int, shape (r,)
            Youth indices.
        cols : ndarray of int, shape (c,), optional
            Mentor indices; all mentors (c = m) when omitted.
        rules_only : bool
            Leave the scores out: the block holds 0 where every hard rule holds
            and ``-inf`` where one fails (scores are finite, so the same pairs
            are feasible), for what only asks which pairs are.

        Returns
        -------
        ndarray of float32, shape (r, c)
        """
        every = cols is None
        cols = np.arange(self.m) if every else cols
        if rules_only:
            scores = np.zeros((len(rows), len(cols)), dtype=np.float32)
        elif self.learned is not None:
            scores = self.learned.pair_rows(rows, None if every else cols)
        else:
            bilinear_m_t = self.bilinear_m_t if every else self.bilinear_m_t[:, cols]
            scores = self.bilinear_y[rows] @ bilinear_m_t
            if not self.text_is_dense:
                text = (self.text_y[rows] @ self.text_m_t[:, cols]).tocoo()
                scores[text.row, text.col] += self.text_weight * text.data.astype(np.float32)
        # Two 1-D gathers are much faster than one 2-D fancy index; for a few
        # columns, narrowing the class tables first keeps them small.
        if every and self.place_table is not None:
            scores += self.place_table[self.place_y[rows]]
        elif self.place_table is not None:
            scores += self.place_table[np.ix_(self.place_y[rows], cols)]
        elif every:
            scores += np.take(self.place_score[self.place_y[rows]], self.place_m, axis=1)
            scores += self.mentor_score[None, :]
        elif len(rows) * self.place_score.shape[1] <= self.place_score.shape[0] * len(cols):
            # Whichever side is smaller is narrowed first.
            scores += np.take(self.place_score[self.place_y[rows]], self.place_m[cols], axis=1)
            scores += self.mentor_score[cols][None, :]
        else:
            scores += np.take(self.place_score[:, self.place_m[cols]], self.place_y[rows], axis=0)
            scores += self.mentor_score[cols][None, :]
        penalty = self.constraint_penalty if every else self.constraint_penalty[:, cols]
        classes = self.constraint_class[rows]
        if len(classes) and (classes == classes[0]).all():
            # One class (a chunk of one of :meth:`youth_groups`): one row, broadcast.
            scores += penalty[classes[0]][None, :]
        else:
            scores += penalty[classes]
        if self.config.require_shared_slot:
            slots_m_t = self.slots_m_t32 if every else self.slots_m_t32[:, cols]
            # Shared slot counts are whole numbers: log(min(count, 1)) is 0 with
            # a shared slot and -inf without one.
            shared = self.slots_y32[rows] @ slots_m_t
            np.minimum(shared, np.float32(1.0), out=shared)
            with np.errstate(divide="ignore"):
                np.log(shared, out=shared)
            scores += shared
        self._block_pairs(scores, rows, cols, np.float32(-np.inf))
        return scores

    def youth_groups(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Youth grouped by the mentors that program, gender, language, clearance and capacity leave them.

        Returns
        -------
        list of (rows, cols)
            Every youth once; ``cols`` holds the only mentors that can be
            feasible for ``rows`` (the other rules are per pair).
        """
        allowed = np.isfinite(self.constraint_penalty) & np.isfinite(self.mentor_score)[None, :]
        order = np.argsort(self.constraint_class, kind="stable")
        starts = np.searchsorted(self.constraint_class[order], np.arange(len(allowed) + 1))
        return [
            (order[start:stop], np.flatnonzero(allowed[k]))
            for k, (start, stop) in enumerate(zip(starts[:-1].tolist(), starts[1:].tolist()))
            if stop > start
        ]

    def _block_pairs(self, block: np.ndarray, rows: np.ndarray, cols: np.ndarray, value) -> None:
        """Set ``value`` on the do-not-match pairs that fall in this block."""
        if not len(self.blocked_pairs):
            return
        row_position = np.full(self.n, -1, dtype=np.int64)
        row_position[rows] = np.arange(len(rows))
        col_position = np.full(self.m, -1, dtype=np.int64)
        col_position[cols] = np.arange(len(cols))
        local_row = row_position[self.blocked_pairs[:, 0]]
        local_col = col_position[self.blocked_pairs[:, 1]]
        inside = (local_row >= 0) & (local_col >= 0)
        block[local_row[inside], local_col[inside]] = value

    def factor_matrices(self, rows: np.ndarray) -> np.ndarray:
        """Per-factor similarities of a block of youth against all mentors.

        Parameters
        ----------
        rows : ndarray of int, shape (r,)

        Returns
        -------
        ndarray of float64, shape (6, r, m)
            Factor axis in :data:`matching.config.FACTORS` order. With a learned
            model: each feature's contribution, shape (F, r, m), feature axis
            in :attr:`factor_names` order.
        """
        if self.learned is not None:
            return self.learned.contribution_blocks(rows)
        out = np.empty((len(FACTORS), len(rows), self.m))
        out[0] = (self.interests_y[rows] @ self.interests_m.T).toarray()
        out[1] = (self.text_y[rows] @ self.text_m_t).toarray()
        out[2] = (self.languages_y[rows] @ self.languages_m.T).toarray()
        out[3] = self.slot_cosine_y[rows] @ self.slot_cosine_m.T
        place = (self.place_y[rows][:, None], self.place_m[None, :])
        out[4] = self.place_distance_sim[place]
        out[5] = 0.5 * self.years_fit[None, :] + 0.5 * self.place_age_fit[place]
        np.clip(out, 0.0, 1.0, out=out)
        return out

    def factor_pairs(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Per-factor similarities of given (youth, mentor) pairs.

        Parameters
        ----------
        rows, cols : ndarray of int, shape (p,)

        Returns
        -------
        ndarray of float64, shape (p, 6)
            With a learned model: each feature's contribution, shape (p, F).
        """
        if self.learned is not None:
            return self.learned.contribution_pairs(rows, cols)
        out = np.empty((len(rows), len(FACTORS)))
        out[:, 0] = np.asarray(self.interests_y[rows].multiply(self.interests_m[cols]).sum(axis=1)).ravel()
        out[:, 1] = np.asarray(self.text_y[rows].multiply(self.text_m[cols]).sum(axis=1)).ravel()
        out[:, 2] = np.asarray(self.languages_y[rows].multiply(self.languages_m[cols]).sum(axis=1)).ravel()
        out[:, 3] = np.einsum("pk,pk->p", self.slot_cosine_y[rows], self.slot_cosine_m[cols])
        place = (self.place_y[rows], self.place_m[cols])
        out[:, 4] = self.place_distance_sim[place]
        out[:, 5] = 0.5 * self.years_fit[cols] + 0.5 * self.place_age_fit[place]
        np.clip(out, 0.0, 1.0, out=out)
        return out

    def pair_miles(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Miles between the ZIP centroids of given pairs, shape (p,); ``nan`` if unknown."""
        return self.zip_miles[self.zip_y[rows], self.zip_m[cols]]

    def rule_failures(self, rows: np.ndarray) -> np.ndarray:
        """Whether each hard rule fails, for a block of youth against all mentors.

        Parameters
        ----------
        rows : ndarray of int, shape (r,)

        Returns
        -------
        ndarray of bool, shape (8, r, m)
            Rule axis in :data:`RULES` order.
        """
        r = len(rows)
        fails = np.zeros((len(RULES), r, self.m), dtype=bool)
        fails[0] = ~self.program_ok[self.program_class[rows]]
        fails[1] = ~self.cleared[None, :]
        fails[2] = ~self.has_capacity[None, :]
        fails[3] = ~self.gender_ok[self.gender_class[rows]]
        fails[4] = ~self.language_ok[self.language_class[rows]]
        fails[5] = ~self.place_travel_ok[self.place_y[rows][:, None], self.place_m[None, :]]
        if self.config.require_shared_slot:
            fails[6] = (self.slots_y[rows] @ self.slots_m.T) == 0
        self._block_pairs(fails[7], rows, np.arange(self.m), True)
        return fails

    def rule_codes(self, rows: np.ndarray) -> np.ndarray:
        """First failing rule per pair: 0 if feasible, else ``1 + RULES.index(rule)``.

        Parameters
        ----------
        rows : ndarray of int, shape (r,)

        Returns
        -------
        ndarray of int8, shape (r, m)
        """
        fails = self.rule_failures(rows)
        any_fail = fails.any(axis=0)
        return np.where(any_fail, fails.argmax(axis=0) + 1, 0).astype(np.int8)
