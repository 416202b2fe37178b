"""Scoring a cohort with a learned additive model, as fast as the hand-weighted score.

A score is a sum of per-feature contributions (:mod:`matching.additive`), and
almost every feature depends on a pair only through a few small whole numbers or
classes, so each is tabulated once per cohort and read back by index:

* set features (interests, languages, slots) through ``(a, b, k)``: the youth's
  and the mentor's item counts and the shared count. One table per set, summed
  over that set's features, holds every ``(a, b, k)`` the cohort can produce; a
  block of pairs costs one product for ``k`` and one gather;
* ``miles`` and ``age_gap`` through the (youth place, mentor place) classes of
  :class:`matching.features.FeatureModel`, folded with the mentor-only features
  into one table row per youth place class, as for the hand-weighted score;
* youth-only and mentor-only features (days waited, track record, experience,
  tags each side lists) as one vector per side;
* ``text_similarity`` and ``text_char_similarity`` by interpolation of a
  cosine: of the word TF-IDF vectors, and of the character n-gram vectors'
  fixed low-dimensional projection (one short dense product per block; see
  :func:`matching.pairfeatures.char_vectors`), and shared-tag weights by one
  product.

The per-feature path (:meth:`LearnedScorer.contribution_blocks`,
:meth:`LearnedScorer.contribution_pairs`) reads the same tables feature by
feature, so reasons sum to the score that was optimised.
"""

from __future__ import annotations

import threading

import numpy as np
import scipy.sparse as sp

from matching.additive import AdditiveModel, Shape, TagShape
from matching.pairfeatures import NUMERIC_FEATURES, SET_MEASURES, SETS, numeric_values, set_measure, tag_matrices

TEXT_GRID = 64
"""Cosine feature knots on multiples of ``1 / TEXT_GRID`` make the shape linear on every grid
cell, so it is read exactly from two small tables instead of a search per pair."""
DENSE_SET_LIMIT = 512
JOINT_TABLE_LIMIT = 2**22
"""Largest joint table of several sets (float32 entries; indices stay exact in float32)."""
"""Set vocabularies up to this size are multiplied as dense float32 arrays."""
YOUTH_ONLY = ("days_waiting",)
MENTOR_ONLY = ("mentor_experience_years", "mentor_track_record")
PLACE = ("miles", "age_gap")
COSINE_FEATURES = ("text_similarity", "text_char_similarity")
"""Features read from the cosine of two vectors per pair, by interpolation."""


# Around float32 products of finite matrices (counts, weights, unit vectors) handed to BLAS:
# some BLAS kernels leave the "invalid" flag raised on a small product of finite inputs (seen
# here on a 2-by-5 product of 0s, 1s and 2s, once in thousands of runs), and NumPy reports the
# flag as a warning. The inputs are finite by construction, so the flag says nothing about them.
def _finite_product() -> np.errstate:
    return np.errstate(invalid="ignore")


class _Scratch(threading.local):
    """Arrays a thread reuses for the temporaries of the blocks it scores.

    A fresh array of a block's size costs its page faults on every block
    (measured: reading a cosine feature's shape takes half the time in reused
    arrays); each scoring thread keeps its own.
    """

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, int], dtype: type) -> np.ndarray:
        size = shape[0] * shape[1]
        array = self.arrays.get(name)
        if array is None or array.size < size:
            array = self.arrays[name] = np.empty(size, dtype)
        return array[:size].reshape(shape)


def _split_set_feature(name: str) -> tuple[str, str] | None:
    group, _, measure = name.partition("_")
    return (group, measure) if group in SETS and measure in SET_MEASURES else None


class LearnedScorer:
    """Contribution tables of one learned model over one cohort.

    Parameters
    ----------
    cohort : matching.features.FeatureModel
    model : AdditiveModel
    """

    def __init__(self, cohort, model: AdditiveModel) -> None:
        self.cohort, self.model = cohort, model
        self.names = model.features
        self.span = model.span
        self.position = {name: f for f, name in enumerate(self.names)}
        self._scratch = _Scratch()
        self._build_sets()
        self._build_joint_tables()
        self._build_text()
        self._build_places_and_sides()
        self._build_tags()

    # -- construction -------------------------------------------------------------

    def _scaled(self, shape: Shape, values: np.ndarray) -> np.ndarray:
        """Contribution in score units: ``(g(x) - low) / R``."""
        return (shape.evaluate(values) - shape.low) / self.span

    def _build_sets(self) -> None:
        sets = self.cohort.sets
        self.set_groups = []
        for group in SETS:
            shapes = [s for s in self.model.shapes if (_split_set_feature(s.feature) or ("",))[0] == group]
            if not shapes:
                continue
            a, b = sets.youth_count[group], sets.mentor_count[group]
            top_a, top_b = int(a.max(initial=0)), int(b.max(initial=0))
            top_k = min(top_a, top_b)
            grid = np.ix_(np.arange(top_a + 1), np.arange(top_b + 1), np.arange(top_k + 1))
            ka, kb, kk = (np.asarray(g, dtype=np.float64) for g in (grid[0], grid[1], grid[2]))
            tables = {
                s.feature: self._scaled(s, set_measure(_split_set_feature(s.feature)[1], kk, ka, kb)).ravel()
                for s in shapes
            }
            youth, mentor = sets.youth[group], sets.mentor[group]
            row_offset = (a * (top_b + 1) * (top_k + 1)).astype(np.float64)
            col_offset = (b * (top_k + 1)).astype(np.float64)
            # Two more columns carry the offsets, so one product gives the table
            # index itself: row offset + column offset + shared count, whole
            # numbers below the table size, exact in float32 up to 2**24.
            youth = sp.hstack([youth, row_offset[:, None], np.ones((len(a), 1))], format="csr")
            mentor = sp.hstack([mentor, np.ones((len(b), 1)), col_offset[:, None]], format="csr")
            dense = youth.shape[1] <= DENSE_SET_LIMIT and len(tables[shapes[0].feature]) < 2**24
            self.set_groups.append(
                {
                    "tables": tables,
                    "total": np.sum(list(tables.values()), axis=0).astype(np.float32),
                    "youth": youth.toarray().astype(np.float32) if dense else youth,
                    "mentor_t": np.ascontiguousarray(mentor.toarray().T, dtype=np.float32) if dense else sp.csc_matrix(mentor.T),
                    "dense": dense,
                }
            )

    def _build_joint_tables(self) -> None:
        """Sets whose tables multiply to at most :data:`JOINT_TABLE_LIMIT` entries share one table.

        Set ``g``'s columns, scaled by the product of the sizes of the sets
        before it, make one product give the index into the joint table, whose
        entries are the sums of the sets' entries: one product and one gather
        for several sets.
        """
        self.joint_groups = [g for g in self.set_groups if not g["dense"]]
        members, size = [], 1
        for group in sorted((g for g in self.set_groups if g["dense"]), key=lambda g: len(g["total"])):
            if members and size * len(group["total"]) > JOINT_TABLE_LIMIT:
                self.joint_groups.append(self._joint(members))
                members, size = [], 1
            members.append(group)
            size *= len(group["total"])
        if members:
            self.joint_groups.append(self._joint(members))

    @staticmethod
    def _joint(members: list[dict]) -> dict:
        if len(members) == 1:
            return members[0]
        table, youth, mentor_t = np.zeros(1, dtype=np.float64), [], []
        for group in members:
            youth.append(np.float32(len(table)) * group["youth"])
            mentor_t.append(group["mentor_t"])
            table = (group["total"].astype(np.float64)[:, None] + table[None, :]).ravel()
        return {
            "total": table.astype(np.float32),
            "youth": np.hstack(youth),
            "mentor_t": np.ascontiguousarray(np.vstack(mentor_t)),
            "dense": True,
        }

    def _build_text(self) -> None:
        """One entry per cosine feature of the model (``text_similarity``, ``text_char_similarity``)."""
        self.cosines = []
        shapes = {s.feature: s for s in self.model.shapes}
        cohort = self.cohort
        for name in COSINE_FEATURES:
            shape = shapes.get(name)
            if shape is None:
                continue
            knots = np.asarray(shape.knots)
            entry = {
                "name": name,
                "knots": knots,
                "values": self._scaled(shape, knots),
                "at_zero": float(self._scaled(shape, np.zeros(1))[0]),
                "signed": name == "text_char_similarity",
            }
            cells = knots * TEXT_GRID
            entry["on_grid"] = bool(np.all(cells == np.round(cells)) and knots[0] >= 0.0 and knots[-1] <= 1.0)
            if entry["on_grid"]:
                at_grid = self._scaled(shape, np.arange(TEXT_GRID + 1) / TEXT_GRID)
                # On cell c (grid units c <= x < c + 1) the shape is intercept[c] + slope[c] * x.
                slope = np.diff(at_grid)
                entry["slope"] = slope.astype(np.float32)
                entry["intercept"] = (at_grid[:-1] - slope * np.arange(TEXT_GRID)).astype(np.float32)
            # Scaled by the grid size, a product gives the position on the grid directly.
            scale = TEXT_GRID if entry["on_grid"] else 1.0
            if name == "text_char_similarity":
                youth, mentor = cohort.text_char
                entry["y64"], entry["m64_t"] = youth, np.ascontiguousarray(mentor.T)
                entry["y32"] = (scale * youth).astype(np.float32)
                entry["m32_t"] = np.ascontiguousarray(mentor.T, dtype=np.float32)
            elif cohort.text_is_dense:
                entry["y32"] = (scale * cohort.text_y.toarray()).astype(np.float32)
                entry["m32_t"] = np.ascontiguousarray(cohort.text_m.toarray().T, dtype=np.float32)
            self.cosines.append(entry)

    def _build_places_and_sides(self) -> None:
        cohort = self.cohort
        shapes = {s.feature: s for s in self.model.shapes}
        # Place classes: miles and age gap per (youth class, mentor class).
        ages = cohort.place_age_gap
        self.place_tables = {}
        if "miles" in shapes:
            self.place_tables["miles"] = self._scaled(shapes["miles"], cohort.place_miles)
        if "age_gap" in shapes:
            self.place_tables["age_gap"] = self._scaled(shapes["age_gap"], ages)
        place = np.zeros(cohort.place_miles.shape)
        for table in self.place_tables.values():
            place = place + table
        self.mentor_vectors = {}
        mentor_values = {
            "mentor_experience_years": cohort.experience_years,
            "mentor_track_record": cohort.track_record(self.model.track_record_prior),
        }
        for name in MENTOR_ONLY:
            if name in shapes:
                self.mentor_vectors[name] = self._scaled(shapes[name], mentor_values[name])
        self.youth_vectors = {}
        if "days_waiting" in shapes:
            self.youth_vectors["days_waiting"] = self._scaled(shapes["days_waiting"], cohort.days_waiting)
        self.place_total = place

    def _build_tags(self) -> None:
        cohort = self.cohort
        names = [name.casefold() for name in cohort.interest_names]
        youth, mentor = cohort.sets.youth["interests"], cohort.sets.mentor["interests"]
        self.shared_tags: TagShape | None = None
        for tag in self.model.tags:
            weights = tag.weight_vector(names)
            if tag.feature == "interests_youth_tags":
                self.youth_vectors[tag.feature] = self._tag_scaled(tag, youth @ weights)
            elif tag.feature == "interests_mentor_tags":
                self.mentor_vectors[tag.feature] = self._tag_scaled(tag, mentor @ weights)
            else:
                self.shared_tags = tag
                self.shared_weights = weights
                chosen = np.flatnonzero(weights)
                # Weights and clip range in score units: the product is the contribution before clipping.
                self.shared_y = (youth[:, chosen] @ sp.diags(weights[chosen] / self.span)).toarray().astype(np.float32)
                self.shared_m_t = np.ascontiguousarray(mentor[:, chosen].toarray().T, dtype=np.float32)
                self.shared_range = (np.float32(tag.low / self.span), np.float32(tag.high / self.span))
        self.youth_total = np.zeros(cohort.n)
        for vector in self.youth_vectors.values():
            self.youth_total = self.youth_total + vector
        self.mentor_total = np.zeros(cohort.m)
        for vector in self.mentor_vectors.values():
            self.mentor_total = self.mentor_total + vector

    def _tag_scaled(self, tag: TagShape, sums: np.ndarray) -> np.ndarray:
        return (np.clip(np.asarray(sums, dtype=np.float64), tag.low, tag.high) - tag.low) / self.span

    # -- blocks -------------------------------------------------------------------

    def _set_index(self, group: dict, rows: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        """Table index of each pair of a block for one set, intp (see :meth:`_build_sets`)."""
        mentor_t = group["mentor_t"] if cols is None else group["mentor_t"][:, cols]
        # Native-size integers: np.take converts any other index type first
        # (measured: a gather from int32 indices takes 2.8 times as long).
        if group["dense"]:
            with _finite_product():
                return (group["youth"][rows] @ mentor_t).astype(np.intp)
        return np.rint((group["youth"][rows] @ mentor_t).toarray()).astype(np.intp)

    def _add_cosine(self, out: np.ndarray, entry: dict, rows: np.ndarray, cols: np.ndarray | None) -> None:
        """Add one cosine feature's contribution to a block (float32: fast path; float64: scores and reasons)."""
        if out.dtype == np.float32 and "y32" in entry:
            mentor_t = entry["m32_t"] if cols is None else entry["m32_t"][:, cols]
            shape = out.shape
            with _finite_product():
                cosine = np.matmul(entry["y32"][rows], mentor_t, out=self._scratch.get("product", shape, np.float32))
            if entry["on_grid"]:
                # Linear on each grid cell: one gather each of intercept and slope.
                # Cosines of non-negative vectors are >= 0; projected ones may fall
                # below and read as 0. Rounding above 1 stays in the last cell ("clip").
                if entry["signed"]:
                    np.maximum(cosine, np.float32(0.0), out=cosine)
                cell = self._scratch.get("index", shape, np.intp)
                np.copyto(cell, cosine, casting="unsafe")
                gathered = self._scratch.get("gathered", shape, np.float32)
                cosine *= np.take(entry["slope"], cell, mode="clip", out=gathered)
                cosine += np.take(entry["intercept"], cell, mode="clip", out=gathered)
                out += cosine
                return
            np.clip(cosine, 0.0, 1.0, out=cosine)
            out += np.interp(cosine, entry["knots"], entry["values"]).astype(out.dtype)
            return
        if "y64" in entry:
            # The float64 product may differ from the float32 one in the seventh digit.
            mentor_t = entry["m64_t"] if cols is None else entry["m64_t"][:, cols]
            cosine = np.clip(entry["y64"][rows] @ mentor_t, 0.0, 1.0)
            out += np.interp(cosine, entry["knots"], entry["values"]).astype(out.dtype)
            return
        # The word TF-IDF product, sparse: its zeros all read the shape's value at 0.
        cohort = self.cohort
        mentor_t = cohort.text_m_t if cols is None else cohort.text_m_t[:, cols]
        cosine = (cohort.text_y[rows] @ mentor_t).tocoo()
        out += out.dtype.type(entry["at_zero"])
        gain = np.interp(np.clip(cosine.data, 0.0, 1.0), entry["knots"], entry["values"]) - entry["at_zero"]
        out[cosine.row, cosine.col] += gain.astype(out.dtype)

    def _shared_tag_sums(self, rows: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        mentor_t = self.shared_m_t if cols is None else self.shared_m_t[:, cols]
        return self.shared_y[rows] @ mentor_t

    def pair_rows(self, rows: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        """Learned pair and youth terms of a block of youth against mentors (all when ``cols`` is None).

        Place and mentor terms are left to the caller, which folds them with the
        hard rules (see :meth:`matching.features.FeatureModel.objective_rows`).

        Returns
        -------
        ndarray of float32, shape (r, c)
        """
        count = self.cohort.m if cols is None else len(cols)
        out = np.zeros((len(rows), count), dtype=np.float32)
        gathered = self._scratch.get("gathered", out.shape, np.float32)
        for group in self.joint_groups:
            if group["dense"]:
                # The product is the table index (whole numbers, exact in float32).
                mentor_t = group["mentor_t"] if cols is None else group["mentor_t"][:, cols]
                with _finite_product():
                    product = np.matmul(group["youth"][rows], mentor_t,
                                        out=self._scratch.get("product", out.shape, np.float32))
                index = self._scratch.get("index", out.shape, np.intp)
                np.copyto(index, product, casting="unsafe")
            else:
                index = self._set_index(group, rows, cols)
            # Indices are in range by construction; "clip" skips the bounds check.
            out += np.take(group["total"], index, mode="clip", out=gathered)
        for entry in self.cosines:
            self._add_cosine(out, entry, rows, cols)
        if self.shared_tags is not None:
            shared = self._shared_tag_sums(rows, cols)
            low, high = self.shared_range
            np.clip(shared, low, high, out=shared)
            shared -= low
            out += shared
        out += self.youth_total[rows].astype(np.float32)[:, None]
        return out

    def _shared_tag_scaled(self, sums: np.ndarray) -> np.ndarray:
        tag = self.shared_tags
        return (np.clip(sums, tag.low, tag.high) - tag.low) / self.span

    def contribution_blocks(self, rows: np.ndarray) -> np.ndarray:
        """Each feature's contribution for a block of youth against all mentors.

        Returns
        -------
        ndarray of float64, shape (F, r, m)
            Feature axis in ``model.features`` order; summed over it, the score.
        """
        cohort = self.cohort
        out = np.zeros((len(self.names), len(rows), cohort.m))
        for group in self.set_groups:
            index = self._set_index(group, rows, None)
            for name, table in group["tables"].items():
                out[self.position[name]] = np.take(table, index)
        for entry in self.cosines:
            self._add_cosine(out[self.position[entry["name"]]], entry, rows, None)
        place = (cohort.place_y[rows][:, None], cohort.place_m[None, :])
        for name, table in self.place_tables.items():
            out[self.position[name]] = table[place]
        for name, vector in self.mentor_vectors.items():
            out[self.position[name]] = vector[None, :]
        for name, vector in self.youth_vectors.items():
            out[self.position[name]] = vector[rows][:, None]
        if self.shared_tags is not None:
            sums = (cohort.sets.youth["interests"][rows] @ sp.diags(self.shared_weights) @ cohort.sets.mentor["interests"].T).toarray()
            out[self.position["interests_shared_tags"]] = self._shared_tag_scaled(sums)
        return out

    def contribution_pairs(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Each feature's contribution for given pairs, shape (p, F), float64."""
        values = numeric_values(self.cohort, rows, cols, self.model.track_record_prior, self.names)
        index = {spec.name: f for f, spec in enumerate(NUMERIC_FEATURES)}
        out = np.zeros((len(rows), len(self.names)))
        for shape in self.model.shapes:
            out[:, self.position[shape.feature]] = self._scaled(shape, values[:, index[shape.feature]])
        if self.model.tags:
            matrices = tag_matrices(self.cohort, rows, cols)
            names = [name.casefold() for name in self.cohort.interest_names]
            for tag in self.model.tags:
                sums = matrices[tag.feature] @ tag.weight_vector(names)
                out[:, self.position[tag.feature]] = self._tag_scaled(tag, sums)
        return out
