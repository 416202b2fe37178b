"""Reasons for a proposed pair, an excluded pair and a youth left unmatched: codes, data and English.

Every reason carries a stable machine ``code`` and a JSON-safe ``data`` dict
holding everything needed to write its sentence in any language; ``text`` is
the English sentence, written from ``code`` and ``data`` by the functions here
(:func:`reason_text`, :func:`exclusion_text`, :func:`unmatched_text`), so the
data can never say less than the text. An app renders ``code`` and ``data`` in
the viewer's language and never parses ``text``. Codes are stable: a new
variant gets a new code, an old code keeps its meaning and keys.

Pair reasons (:class:`Reason`, one per factor)
----------------------------------------------
=======================  ==================================  ==========================================
code                     data keys                           English ``text``
=======================  ==================================  ==========================================
``interests.shared``     ``shared``: list of str             "Both into K9 and robotics"
``interests.none``       --                                  "No shared interests"
``text.shared``          ``terms``: list of str, heaviest    "Goals and experience both mention
                         first (at most 3)                   forensics and explorers"
``text.none``            --                                  "Goals and experience have no words in
                                                             common"
``languages.shared``     ``languages``: list of str          "Both speak English and Spanish"
``languages.none``       --                                  "No shared language"
``availability.shared``  ``slots``: list of slot codes in    "Share Sat morning, Tue and Thu evenings"
                         week order (``"tue-evening"``)
``availability.none``    --                                  "No shared time slots"
``distance.same_zip``    ``zip``: str                        "Same ZIP code (95823)"
``distance.miles``       ``miles``: float, 1 decimal         "3.3 miles apart"
``distance.unknown``     --                                  "Distance unknown (ZIP code not found)"
``experience.years``     ``years``: float; ``age_gap``: int  "4 years with youth, 20 years older"
                         or null (mentor's age unknown)      ("4 years with youth" when null)
``experience.new``       ``age_gap``: int or null            "New to mentoring youth, 20 years older"
``legacy``               --                                  a row stored before codes existed:
                                                             show its stored ``text``
=======================  ==================================  ==========================================

With a learned model (``config.model``), a pair has one reason per group of model
features (:data:`LEARNED_GROUPS`; the features are in :mod:`matching.pairfeatures`),
``factor`` = the group. Its ``contribution`` is the sum of its features' parts of
the score (:mod:`matching.additive`), and ``data["parts"]`` maps each of those
features to its own part, so the reasons still sum exactly to the score:

============================  ==============================================  ==========================================
code                          data keys (besides ``parts``)                   English ``text``
============================  ==============================================  ==========================================
``learned.interests``         ``shared``: list of str (youth's spelling,      "Both into K9 and robotics (2 of the
                              sorted); ``youth_count``, ``mentor_count``: int  youth's 3 interests, of the mentor's 5)"
                                                                              / "No shared interests (the youth lists
                                                                              3, the mentor 5)"
``learned.languages``         as ``learned.interests``                        "Both speak Spanish (1 of the youth's 2
                                                                              languages, of the mentor's 1)"
``learned.availability``      ``slots``: shared slot codes in week order;     "Share Tue evenings (1 of the youth's 4
                              ``youth_count``, ``mentor_count``: int          time slots, of the mentor's 6)"
``learned.text``              ``similarity``: float, 3 decimals; ``terms``:   "Goals and experience both mention
                              list of str, heaviest first (at most 3)         forensics (similarity 0.31)"
``learned.wording``           ``similarity``: float, 3 decimals (of the       "Goals and experience use similar words
                              character n-grams)                              (similarity 0.45)" / "Goals and
                                                                              experience use no similar words"
``learned.distance``          ``miles``: float, 1 decimal, or null            "3.3 miles apart" / "Distance unknown
                                                                              (ZIP code not found)"
``learned.age_gap``           ``age_gap``: int or null                        "Mentor is 20 years older" / "... 2
                                                                              years younger" / "Mentor's age unknown"
``learned.experience``        ``years``: float                                "4 years with youth"
``learned.track_record``      ``lasted``, ``closed_early``: int               "3 matches lasted a year, 1 closed
                                                                              early" / "New mentor: no closed
                                                                              matches yet"
``learned.waiting``           ``days``: int                                   "Waited 40 days"
============================  ==============================================  ==========================================

Excluded pairs (:class:`matching.Exclusion`; ``code`` is the rule)
------------------------------------------------------------------
================  ===========================================  ==============================================
code              data keys                                    English ``text``
================  ===========================================  ==============================================
``program``       ``programs``: the youth's program ids        "Mentor is not in any of the youth's programs"
``cleared``       --                                           "Mentor is not cleared"
``capacity``      ``capacity``: int; ``active``: int           "Mentor has no free place (2 of 2 taken)"
``gender``        ``wanted``: str                              "Youth asked for a female mentor"
``language``      ``language``: str                            "Mentor does not speak Hmong"
``distance``      ``miles``: float, 1 decimal; ``limit``:      "12.4 miles apart, over the 10-mile limit"
                  float
``distance``      ``unknown_zip``: true; ``limit``: float      "ZIP code unknown, so the 10-mile limit can't
                                                               be checked"
``availability``  --                                           "No shared weekly time slot"
``do_not_match``  --                                           "A coordinator marked this pair do not match"
================  ===========================================  ==============================================

Unmatched youth (:class:`matching.Unmatched`)
---------------------------------------------
===============  =============================================  =============================================
code             data keys                                      English ``reason``
===============  =============================================  =============================================
``competition``  ``feasible_mentors``: int >= 1                 "All 2 feasible mentors were filled by closer
                                                                fits" ("The only feasible mentor was filled
                                                                by a closer fit" for 1)
``no_mentors``   --                                             "No mentors in this run"
``unknown_zip``  ``zip``: str ("" when none was given);         "ZIP code 00000 is unknown, so the 5-mile
                 ``limit``: float                               travel limit can't be checked" ("No ZIP code
                                                                was given, so ..." for "")
``no_feasible``  ``conditions``: rule codes, in rule order,     "No cleared mentor who speaks Hmong within 15
                 that together left no mentor; and per          miles"
                 condition: ``programs`` (list of the youth's
                 program ids, empty for none) for ``program``,
                 ``wanted`` for ``gender``, ``language`` for
                 ``language``, ``limit`` for ``distance``
===============  =============================================  =============================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from matching.config import FACTOR_LABELS, FACTORS
from matching.features import RULES, FeatureModel
from matching.profiles import DAYS, PARTS_OF_DAY, SLOT_CODES

REASON_CODES = (
    "interests.shared",
    "interests.none",
    "text.shared",
    "text.none",
    "languages.shared",
    "languages.none",
    "availability.shared",
    "availability.none",
    "distance.same_zip",
    "distance.miles",
    "distance.unknown",
    "experience.years",
    "experience.new",
    "legacy",
    "learned.interests",
    "learned.languages",
    "learned.availability",
    "learned.text",
    "learned.wording",
    "learned.distance",
    "learned.age_gap",
    "learned.experience",
    "learned.track_record",
    "learned.waiting",
)
"""Every :attr:`Reason.code` the engine writes (``legacy`` only from :meth:`Reason.from_dict`)."""

UNMATCHED_CODES = ("competition", "no_mentors", "unknown_zip", "no_feasible")
"""Every :attr:`matching.Unmatched.code`."""


@dataclass(frozen=True, slots=True)
class Reason:
    """One factor's part in a pair's score.

    ``contribution`` is the factor's weighted similarity; the contributions of a
    pair sum to its score. ``code`` and ``data`` say the same as the English
    ``text`` in a form any language can render (see the table above).
    """

    factor: str
    label: str
    contribution: float
    text: str
    code: str = "legacy"
    data: dict = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict:
        return {
            "factor": self.factor,
            "label": self.label,
            "contribution": self.contribution,
            "text": self.text,
            "code": self.code,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Reason:
        """Inverse of :meth:`to_dict`; a row stored before codes existed gets code ``legacy``."""
        return cls(
            factor=data["factor"],
            label=data["label"],
            contribution=float(data["contribution"]),
            text=data["text"],
            code=data.get("code", "legacy"),
            data=dict(data.get("data") or {}),
        )


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
    """``{"tue-evening", "thu-evening", "sat-morning"}`` -> ``"Sat morning, Tue and Thu evenings"``."""
    groups = []
    for part in PARTS_OF_DAY:
        days = [day.capitalize() for day in DAYS if f"{day}-{part}" in slots]
        if days:
            groups.append(f"{join_words(days)} {part}{'s' if len(days) > 1 else ''}")
    return ", ".join(groups)


@lru_cache(maxsize=4096)
def _slot_words(slots: tuple[str, ...]) -> str:
    # Few distinct sets of shared slots recur across thousands of pairs.
    return describe_slots(set(slots))


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


def _experience_sentence(data: dict) -> str:
    text = f"{data['years']:g} years with youth" if "years" in data else "New to mentoring youth"
    return text if data["age_gap"] is None else f"{text}, {data['age_gap']} years older"


_SENTENCES = {
    "interests.shared": lambda data: f"Both into {join_words(data['shared'])}",
    "interests.none": lambda data: "No shared interests",
    "text.shared": lambda data: "Goals and experience both mention " + join_words(data["terms"]),
    "text.none": lambda data: "Goals and experience have no words in common",
    "languages.shared": lambda data: f"Both speak {join_words(data['languages'])}",
    "languages.none": lambda data: "No shared language",
    "availability.shared": lambda data: f"Share {_slot_words(tuple(data['slots']))}",
    "availability.none": lambda data: "No shared time slots",
    "distance.same_zip": lambda data: f"Same ZIP code ({data['zip']})",
    "distance.miles": lambda data: f"{data['miles']:.1f} miles apart",
    "distance.unknown": lambda data: "Distance unknown (ZIP code not found)",
    "experience.years": _experience_sentence,
    "experience.new": _experience_sentence,
}
"""The English sentence of each hand-weighted reason code, from its data."""


def reason_text(code: str, data: dict) -> str:
    """The English sentence of a pair reason (see the table in this module's docstring)."""
    if code.startswith("learned."):
        return learned_text(code, data)
    return _SENTENCES[code](data)


def exclusion_text(rule: str, data: dict) -> str:
    """The English sentence of an excluded pair (see the table in this module's docstring)."""
    if rule == "gender":
        return f"Youth asked for a {data['wanted']} mentor"
    if rule == "language":
        return f"Mentor does not speak {data['language']}"
    if rule == "capacity":
        return f"Mentor has no free place ({data['active']} of {data['capacity']} taken)"
    if rule == "distance" and data.get("unknown_zip"):
        return f"ZIP code unknown, so the {data['limit']:g}-mile limit can't be checked"
    if rule == "distance":
        return f"{data['miles']:.1f} miles apart, over the {data['limit']:g}-mile limit"
    return {
        "program": "Mentor is not in any of the youth's programs",
        "cleared": "Mentor is not cleared",
        "availability": "No shared weekly time slot",
        "do_not_match": "A coordinator marked this pair do not match",
    }[rule]


def exclusion_data(model: FeatureModel, i: int, j: int, rule: str) -> dict:
    """What :func:`exclusion_text` needs to say why ``rule`` excludes youth ``i`` and mentor ``j``."""
    youth, mentor = model.youth[i], model.mentors[j]
    if rule == "program":
        return {"programs": sorted(youth.programs, key=str)}
    if rule == "capacity":
        return {"capacity": mentor.capacity, "active": mentor.active_mentees}
    if rule == "gender":
        return {"wanted": youth.mentor_gender_preference}
    if rule == "language":
        return {"language": youth.required_language}
    if rule == "distance":
        miles, limit = model.zip_miles[model.zip_y[i], model.zip_m[j]], float(model.travel_limit[i])
        if np.isfinite(miles):
            return {"miles": round(float(miles), 1), "limit": limit}
        return {"unknown_zip": True, "limit": limit}
    return {}


def _reason(factor: int, contribution: float, code: str, data: dict) -> Reason:
    return Reason(FACTORS[factor], _LABELS[factor], contribution, _SENTENCES[code](data), code, data)


_LABELS = [FACTOR_LABELS[f] for f in FACTORS]


def _pair_reasons(youth, mentor, terms: list[str], miles: float, contributions: list, slot_cache: dict) -> list[Reason]:
    """Each factor's reason for one pair, in :data:`FACTORS` order."""
    shared = {t.casefold() for t in youth.interests} & {t.casefold() for t in mentor.interests}
    spoken = {t.casefold() for t in youth.languages} & {t.casefold() for t in mentor.languages}
    common = youth.slots & mentor.slots
    if common not in slot_cache:
        # Few distinct sets of shared slots recur across many pairs: write each sentence once.
        slots = [code for code in SLOT_CODES if code in common]
        code = "availability.shared" if common else "availability.none"
        data = {"slots": slots} if common else {}
        slot_cache[common] = (code, tuple(slots), _SENTENCES[code](data))
    slot_code, slots, slot_text = slot_cache[common]
    if not math.isfinite(miles):
        distance = ("distance.unknown", {})
    elif youth.zip == mentor.zip:
        distance = ("distance.same_zip", {"zip": youth.zip})
    else:
        distance = ("distance.miles", {"miles": round(miles, 1)})
    years = mentor.youth_experience_years
    age_gap = None if mentor.age is None else mentor.age - youth.age
    slot_data = {"slots": list(slots)} if slots else {}
    return [
        _reason(0, contributions[0], *(("interests.shared", {"shared": _display(shared, youth.interests)})
                                       if shared else ("interests.none", {}))),
        _reason(1, contributions[1], *(("text.shared", {"terms": terms}) if terms else ("text.none", {}))),
        _reason(2, contributions[2], *(("languages.shared", {"languages": _display(spoken, youth.languages)})
                                       if spoken else ("languages.none", {}))),
        Reason(FACTORS[3], _LABELS[3], contributions[3], slot_text, slot_code, slot_data),
        _reason(4, contributions[4], *distance),
        _reason(5, contributions[5], *(("experience.years", {"years": float(years), "age_gap": age_gap})
                                       if years > 0 else ("experience.new", {"age_gap": age_gap}))),
    ]  # fmt: skip


LEARNED_GROUPS = {
    "interests": "Shared interests",
    "languages": "Languages",
    "availability": "Availability",
    "text": "Goals and experience",
    "wording": "Similar words",
    "distance": "Distance",
    "age_gap": "Age difference",
    "experience": "Experience with youth",
    "track_record": "Track record in this program",
    "waiting": "Time waiting",
}
"""Reason groups of a learned model, in order, with their labels."""

_GROUP_OF = {
    "text_similarity": "text",
    "text_char_similarity": "wording",
    "miles": "distance",
    "age_gap": "age_gap",
    "mentor_experience_years": "experience",
    "mentor_track_record": "track_record",
    "days_waiting": "waiting",
}


def learned_group(feature: str) -> str:
    """The reason group a learned-model feature belongs to."""
    if feature in _GROUP_OF:
        return _GROUP_OF[feature]
    return {"interests": "interests", "languages": "languages", "slots": "availability"}[feature.partition("_")[0]]


def _counted(what: str, data: dict) -> str:
    return f"{len(data.get('shared', data.get('slots', [])))} of the youth's {data['youth_count']} {what}, of the mentor's {data['mentor_count']}"


def learned_text(code: str, data: dict) -> str:
    """The English sentence of a learned-model reason (see the table in this module's docstring)."""
    group = code.removeprefix("learned.")
    if group in ("interests", "languages"):
        if not data["shared"]:
            return f"No shared {group} (the youth lists {data['youth_count']}, the mentor {data['mentor_count']})"
        verb = "Both into" if group == "interests" else "Both speak"
        return f"{verb} {join_words(data['shared'])} ({_counted(group, data)})"
    if group == "availability":
        if not data["slots"]:
            return f"No shared time slots (the youth lists {data['youth_count']}, the mentor {data['mentor_count']})"
        return f"Share {_slot_words(tuple(data['slots']))} ({_counted('time slots', data)})"
    if group == "text":
        if not data["terms"]:
            return "Goals and experience have no words in common"
        return f"Goals and experience both mention {join_words(data['terms'])} (similarity {data['similarity']:.2f})"
    if group == "wording":
        if not data["similarity"]:
            return "Goals and experience use no similar words"
        return f"Goals and experience use similar words (similarity {data['similarity']:.2f})"
    if group == "distance":
        return "Distance unknown (ZIP code not found)" if data["miles"] is None else f"{data['miles']:.1f} miles apart"
    if group == "age_gap":
        gap = data["age_gap"]
        if gap is None:
            return "Mentor's age unknown"
        return f"Mentor is {gap} years older" if gap >= 0 else f"Mentor is {-gap} years younger"
    if group == "experience":
        return f"{data['years']:g} years with youth"
    if group == "track_record":
        if data["lasted"] + data["closed_early"] == 0:
            return "New mentor: no closed matches yet"
        return f"{data['lasted']} matches lasted a year, {data['closed_early']} closed early"
    return f"Waited {data['days']} days"


def _learned_reasons_batch(
    model: FeatureModel, rows: np.ndarray, cols: np.ndarray, contributions: np.ndarray
) -> list[list[Reason]]:
    """:func:`pair_reasons_batch` for a cohort scored by a learned model: one reason per feature group."""
    features = model.learned_model.features
    groups = [g for g in LEARNED_GROUPS if any(learned_group(f) == g for f in features)]
    members = {g: [(f, name) for f, name in enumerate(features) if learned_group(name) == g] for g in groups}
    parts = np.asarray(contributions)
    totals = {g: parts[:, [f for f, _ in members[g]]].sum(axis=1).tolist() for g in groups}
    parts = parts.tolist()
    pair_ids = list(zip(rows.tolist(), cols.tolist()))
    data = {group: _LEARNED_DATA[group](model, rows, cols, pair_ids) for group in groups}
    out = []
    for p in range(len(pair_ids)):
        reasons = []
        for group in groups:
            values = data[group][p]
            code = f"learned.{group}"
            text = learned_text(code, values)
            values["parts"] = {name: parts[p][f] for f, name in members[group]}
            reasons.append(Reason(group, LEARNED_GROUPS[group], totals[group][p], text, code, values))
        reasons.sort(key=lambda reason: -reason.contribution)
        out.append(reasons)
    return out


def _folded(profiles: list, indices: list[int], field: str) -> dict[int, frozenset]:
    """Casefolded items of each profile in ``indices``, computed once per profile."""
    return {i: frozenset(t.casefold() for t in getattr(profiles[i], field)) for i in set(indices)}


def _shared_data(field: str):
    def build(model: FeatureModel, rows, cols, pair_ids) -> list[dict]:
        mine = _folded(model.youth, rows.tolist(), field)
        theirs = _folded(model.mentors, cols.tolist(), field)
        return [
            {"shared": _display(mine[i] & theirs[j], getattr(model.youth[i], field)),
             "youth_count": len(mine[i]), "mentor_count": len(theirs[j])}
            for i, j in pair_ids
        ]  # fmt: skip

    return build


def _slot_data(model: FeatureModel, rows, cols, pair_ids) -> list[dict]:
    cache: dict[frozenset, tuple[str, ...]] = {}
    out = []
    for i, j in pair_ids:
        youth, mentor = model.youth[i], model.mentors[j]
        common = youth.slots & mentor.slots
        if common not in cache:
            cache[common] = tuple(code for code in SLOT_CODES if code in common)
        out.append({"slots": list(cache[common]), "youth_count": len(youth.slots), "mentor_count": len(mentor.slots)})
    return out


def _text_data(model: FeatureModel, rows, cols, pair_ids) -> list[dict]:
    terms = _top_shared_terms(model, rows, cols)
    cosine = np.clip(np.asarray(model.text_y[rows].multiply(model.text_m[cols]).sum(axis=1)).ravel(), 0.0, 1.0)
    return [{"similarity": round(c, 3), "terms": t} for c, t in zip(cosine.tolist(), terms)]


def _wording_data(model: FeatureModel, rows, cols, pair_ids) -> list[dict]:
    youth, mentor = model.text_char
    cosine = np.clip(np.einsum("pk,pk->p", youth[rows], mentor[cols]), 0.0, 1.0)
    return [{"similarity": round(c, 3)} for c in cosine.tolist()]


def _distance_data(model: FeatureModel, rows, cols, pair_ids) -> list[dict]:
    return [{"miles": None if math.isnan(x) else round(x, 1)} for x in model.pair_miles(rows, cols).tolist()]


_LEARNED_DATA = {
    "interests": _shared_data("interests"),
    "languages": _shared_data("languages"),
    "availability": _slot_data,
    "text": _text_data,
    "wording": _wording_data,
    "distance": _distance_data,
    "age_gap": lambda model, rows, cols, pairs: [
        {"age_gap": None if model.mentors[j].age is None else model.mentors[j].age - model.youth[i].age}
        for i, j in pairs
    ],
    "experience": lambda model, rows, cols, pairs: [
        {"years": float(model.mentors[j].youth_experience_years)} for _, j in pairs
    ],
    "track_record": lambda model, rows, cols, pairs: [
        {"lasted": model.mentors[j].matches_lasted, "closed_early": model.mentors[j].matches_closed_early}
        for _, j in pairs
    ],
    "waiting": lambda model, rows, cols, pairs: [{"days": model.youth[i].days_waiting} for i, _ in pairs],
}
"""Per reason group: the data of every pair's reason, computed a group at a time."""


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
        Per-factor similarities in :data:`FACTORS` order; with a learned
        model, each feature's contribution, shape (p, F).

    Returns
    -------
    list of list of Reason, length p
    """
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    if model.learned is not None:
        return _learned_reasons_batch(model, rows, cols, similarities)
    shared_terms = _top_shared_terms(model, rows, cols)
    miles = model.pair_miles(rows, cols).tolist()
    contributions = (np.asarray(similarities) * model.weights).tolist()
    slot_cache: dict[frozenset, tuple] = {}
    out = []
    for p, (i, j) in enumerate(zip(rows.tolist(), cols.tolist())):
        reasons = _pair_reasons(model.youth[i], model.mentors[j], shared_terms[p], miles[p], contributions[p], slot_cache)
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


def _condition_phrase(rule: str, data: dict) -> str:
    """How one condition of an unmatched youth reads in "No ... mentor ..."."""
    if rule == "program":
        return "in " + join_words([str(p) for p in data["programs"]]) if data["programs"] else "in any program"
    if rule == "gender":
        return f"who is {data['wanted']}"
    if rule == "language":
        return f"who speaks {data['language']}"
    if rule == "distance":
        return f"within {data['limit']:g} miles"
    return {
        "cleared": "cleared",
        "capacity": "with a free place",
        "availability": "sharing a weekly time slot",
        "do_not_match": "off the do-not-match list",
    }[rule]


def unmatched_text(code: str, data: dict) -> str:
    """The English reason a youth is unmatched (see the table in this module's docstring)."""
    if code == "competition":
        count = data["feasible_mentors"]
        if count == 1:
            return "The only feasible mentor was filled by a closer fit"
        return f"All {count} feasible mentors were filled by closer fits"
    if code == "no_mentors":
        return "No mentors in this run"
    if code == "unknown_zip":
        where = f"ZIP code {data['zip']} is unknown" if data["zip"] else "No ZIP code was given"
        return f"{where}, so the {data['limit']:g}-mile travel limit can't be checked"
    conditions = data["conditions"]
    before = [_condition_phrase(rule, data) for rule in conditions if rule == "cleared"]
    after = [_condition_phrase(rule, data) for rule in conditions if rule != "cleared"]
    return " ".join(["No", *before, "mentor", *after])


def unmatched_code(model: FeatureModel, i: int, feasible_mentors: int) -> tuple[str, dict]:
    """Why youth ``i`` got no mentor, as ``(code, data)`` for :func:`unmatched_text`.

    With feasible mentors the reason is competition; without, the data names the
    youth's conditions, in rule order, up to the one that leaves no mentor.
    """
    if feasible_mentors:
        return "competition", {"feasible_mentors": int(feasible_mentors)}
    if model.m == 0:
        return "no_mentors", {}
    youth, limit = model.youth[i], float(model.travel_limit[i])
    values = {
        "program": {"programs": sorted(youth.programs, key=str)},
        "gender": {"wanted": youth.mentor_gender_preference},
        "language": {"language": youth.required_language},
        "distance": {"limit": limit},
    }
    fails = model.rule_failures(np.array([i]))[:, 0, :]
    remaining = np.ones(model.m, dtype=bool)
    conditions: list[str] = []
    data: dict = {"conditions": conditions}
    for rule_index, rule in enumerate(RULES):
        if not (fails[rule_index] & remaining).any():
            continue
        if rule == "distance" and not np.isfinite(model.zip_miles[model.zip_y[i], model.zip_y[i]]):
            return "unknown_zip", {"zip": youth.zip, "limit": limit}
        conditions.append(rule)
        data.update(values.get(rule, {}))
        remaining &= ~fails[rule_index]
        if not remaining.any():
            break
    return "no_feasible", data
