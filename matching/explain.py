"""Plain-words reasons for a proposed pair and for a youth left unmatched."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matching.config import FACTOR_LABELS, FACTORS
from matching.features import RULES, FeatureModel
from matching.profiles import DAYS, PARTS_OF_DAY


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor's part in a pair's score.

    ``contribution`` is the factor's weighted similarity; the contributions of a
    pair sum to its score.
    """

    factor: str
    label: str
    contribution: float
    text: str

    def to_dict(self) -> dict:
        return {"factor": self.factor, "label": self.label, "contribution": self.contribution, "text": self.text}


def join_words(words: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _display(labels: set[str], originals: frozenset[str]) -> list[str]:
    """The youth's own spelling of casefolded labels, sorted."""
    spelling = {o.casefold(): o for o in originals}
    return sorted(spelling.get(label, label) for label in labels)


def describe_slots(slots: set[str]) -> str:
    """``{"tue-evening", "thu-evening", "sat-morning"}`` -> ``"Tue and Thu evenings, Sat morning"``."""
    groups = []
    for part in PARTS_OF_DAY:
        days = [day.capitalize() for day in DAYS if f"{day}-{part}" in slots]
        if days:
            groups.append(f"{join_words(days)} {part}{'s' if len(days) > 1 else ''}")
    return ", ".join(groups)


def _top_shared_terms(model: FeatureModel, rows: np.ndarray, cols: np.ndarray, top: int = 3) -> list[list[str]]:
    """Up to ``top`` words each pair's texts share, by weight, for all pairs at once.

    One sparse product and one sort over all pairs: per-pair sparse slicing
    costs about 100 microseconds in SciPy's bookkeeping alone.

    Parameters
    ----------
    model : FeatureModel
    rows, cols : ndarray of int, shape (p,)

    Returns
    -------
    list of list of str, length p
        Heaviest first; ties in column (alphabetical) order.
    """
    product = sp.coo_matrix(model.text_y[rows].multiply(model.text_m[cols]))
    keep = product.data > 0
    pair, term, weight = product.row[keep], product.col[keep], product.data[keep]
    order = np.lexsort((term, -weight, pair))
    pair, term = pair[order], term[order]
    first = np.searchsorted(pair, pair, side="left")
    chosen = np.arange(len(pair)) - first < top
    names = model.text_terms
    shared: list[list[str]] = [[] for _ in range(len(rows))]
    for p, t in zip(pair[chosen].tolist(), term[chosen].tolist()):
        shared[p].append(str(names[t]))
    return shared


def pair_reasons_batch(
    model: FeatureModel, rows: np.ndarray, cols: np.ndarray, similarities: np.ndarray
) -> list[list[Reason]]:
    """Reasons for many pairs, each list largest contribution first.

    Parameters
    ----------
    model : FeatureModel
    rows, cols : ndarray of int, shape (p,)
        Youth and mentor index of each pair.
    similarities : ndarray, shape (p, 6)
        Per-factor similarities in :data:`FACTORS` order.

    Returns
    -------
    list of list of Reason, length p
    """
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    shared_terms = _top_shared_terms(model, rows, cols)
    miles = model.pair_miles(rows, cols)
    contributions = (np.asarray(similarities) * model.weights).tolist()
    slot_words: dict[frozenset, str] = {}
    labels = [FACTOR_LABELS[f] for f in FACTORS]
    out = []
    for p, (i, j) in enumerate(zip(rows.tolist(), cols.tolist())):
        youth, mentor = model.youth[i], model.mentors[j]
        texts = []
        shared = {t.casefold() for t in youth.interests} & {t.casefold() for t in mentor.interests}
        texts.append(f"Both into {join_words(_display(shared, youth.interests))}" if shared else "No shared interests")
        words = shared_terms[p]
        texts.append(
            "Goals and experience both mention " + join_words(words)
            if words
            else "Goals and experience have no words in common"
        )
        spoken = {t.casefold() for t in youth.languages} & {t.casefold() for t in mentor.languages}
        texts.append(f"Both speak {join_words(_display(spoken, youth.languages))}" if spoken else "No shared language")
        common = youth.slots & mentor.slots
        if common not in slot_words:
            slot_words[common] = f"Share {describe_slots(common)}" if common else "No shared time slots"
        texts.append(slot_words[common])
        if not np.isfinite(miles[p]):
            texts.append("Distance unknown (ZIP code not found)")
        elif youth.zip == mentor.zip:
            texts.append(f"Same ZIP code ({youth.zip})")
        else:
            texts.append(f"{miles[p]:.1f} miles apart")
        years = mentor.youth_experience_years
        experience = f"{years:g} years with youth" if years > 0 else "New to mentoring youth"
        if mentor.age is not None:
            experience += f", {mentor.age - youth.age} years older"
        texts.append(experience)
        reasons = [
            Reason(factor, labels[f], contributions[p][f], texts[f]) for f, factor in enumerate(FACTORS)
        ]
        reasons.sort(key=lambda reason: -reason.contribution)
        out.append(reasons)
    return out


def pair_reasons(model: FeatureModel, i: int, j: int, similarities: np.ndarray) -> list[Reason]:
    """Reasons for youth ``i`` and mentor ``j``, largest contribution first.

    Parameters
    ----------
    model : FeatureModel
    i, j : int
        Youth and mentor indices.
    similarities : ndarray, shape (6,)
        The pair's per-factor similarities in :data:`FACTORS` order.
    """
    return pair_reasons_batch(model, np.array([i]), np.array([j]), np.asarray(similarities)[None, :])[0]


def unmatched_reason(model: FeatureModel, i: int, feasible_mentors: int) -> str:
    """Why youth ``i`` got no mentor, in plain words.

    With feasible mentors the reason is competition; without, the text names the
    youth's conditions, in rule order, up to the one that leaves no mentor.
    """
    if feasible_mentors == 1:
        return "The only feasible mentor was filled by a closer fit"
    if feasible_mentors:
        return f"All {feasible_mentors} feasible mentors were filled by closer fits"
    if model.m == 0:
        return "No mentors in this run"
    youth, limit = model.youth[i], model.travel_limit[i]
    phrases = {
        "program": "in " + join_words(sorted(map(str, youth.programs))) if youth.programs else "in any program",
        "cleared": "cleared",
        "capacity": "with a free place",
        "gender": f"who is {youth.mentor_gender_preference}",
        "language": f"who speaks {youth.required_language}",
        "distance": f"within {limit:g} miles",
        "availability": "sharing a weekly time slot",
        "do_not_match": "off the do-not-match list",
    }
    fails = model.rule_failures(np.array([i]))[:, 0, :]
    remaining = np.ones(model.m, dtype=bool)
    before, after = [], []
    for rule_index, rule in enumerate(RULES):
        if not (fails[rule_index] & remaining).any():
            continue
        if rule == "distance" and not np.isfinite(model.zip_miles[model.zip_y[i], model.zip_y[i]]):
            where = f"ZIP code {youth.zip} is unknown" if youth.zip else "No ZIP code was given"
            return f"{where}, so the {limit:g}-mile travel limit can't be checked"
        (before if rule == "cleared" else after).append(phrases[rule])
        remaining &= ~fails[rule_index]
        if not remaining.any():
            break
    return " ".join(["No", *before, "mentor", *after])
