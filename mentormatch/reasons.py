"""The engine's reasons, written in the reader's language from their codes and data.

The engine stores each reason with a stable code and the data its sentence needs (see
`matching.explain`); pages and e-mail render them here, so a family reads "Ambos hablan
español" and nothing parses English. A reason stored before codes existed keeps its text.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Sequence, Union

from babel.dates import get_day_names
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from matching.profiles import DAYS as DAY_CODES
from mentormatch.family.vocabulary import DAYS, PARTS_OF_DAY, interest_label, language_label


def join_words(words: Iterable[str]) -> str:
    """["a", "b", "c"] -> "a, b and c", with the reader's word for "and"."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s and %(last)s", first=", ".join(words[:-1]), last=words[-1])


def slots_text(slots: Iterable[str]) -> str:
    """Weekly slots in words, in week order: "Tuesday evening, Saturday morning".

    Day names inside a sentence are the locale's own ("martes" in Spanish, never "Martes").
    """
    days, parts = _day_names_in_a_sentence(), dict(PARTS_OF_DAY)
    chosen = set(slots)
    ordered = [f"{day}-{part}" for day in DAY_CODES for part, _label in PARTS_OF_DAY if f"{day}-{part}" in chosen]
    return ", ".join(_("%(day)s %(part_of_day)s", day=days[code[:3]], part_of_day=str(parts[code[4:]]).lower())
                     for code in ordered)


def _day_names_in_a_sentence() -> dict[str, str]:
    locale = get_locale()
    if locale is None:
        return {code: str(label) for code, label in DAYS}
    names = get_day_names("wide", locale=locale)
    return {code: names[i] for i, code in enumerate(DAY_CODES)}


def as_written(term: str, sources: Sequence[str]) -> str:
    """A word the engine compared in lower case, spelt as the family or mentor wrote it ("CSI", not "csi")."""
    pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
    for text in sources:
        found = pattern.search(text or "")
        if found:
            return found.group(0)
    return term


def reason_text(reason: dict[str, Any], sources: Sequence[str] = ()) -> str:
    """One stored pair reason as a sentence in the current language.

    ``sources`` are the texts the engine read (the youth's goals, the mentor's bio): words quoted
    from them are shown as they were written there.
    """
    code, data = reason.get("code") or "legacy", reason.get("data") or {}
    if code == "interests.shared":
        return _("Both into %(things)s", things=join_words(interest_label(t) for t in data["shared"]))
    if code == "interests.none":
        return _("No shared interests")
    if code == "text.shared":
        return _("Goals and experience both mention %(words)s",
                 words=join_words(f"“{as_written(term, sources)}”" for term in data["terms"]))
    if code == "text.none":
        return _("Goals and experience have no words in common")
    if code == "languages.shared":
        return _("Both speak %(languages)s", languages=join_words(language_label(x) for x in data["languages"]))
    if code == "languages.none":
        return _("No shared language")
    if code == "availability.shared":
        return _("Both free on %(slots)s", slots=slots_text(data["slots"]))
    if code == "availability.none":
        return _("No shared time in the week")
    if code == "distance.same_zip":
        return _("Same ZIP code (%(zip)s)", zip=data["zip"])
    if code == "distance.miles":
        return _("%(miles)s miles apart", miles=format_decimal(data["miles"], format="#,##0.0"))
    if code == "distance.unknown":
        return _("Distance unknown (ZIP code not found)")
    if code in ("experience.years", "experience.new"):
        if code == "experience.years":
            years = data["years"]
            text = ngettext("%(years)s year of experience with young people",
                            "%(years)s years of experience with young people", 1 if years == 1 else 2,
                            years=format_decimal(years, format="#,##0.#"))
        else:
            text = _("New to mentoring young people")
        gap = data.get("age_gap")
        if gap is None:
            return text
        if gap >= 0:
            return text + "; " + ngettext("%(num)d year older", "%(num)d years older", gap)
        return text + "; " + ngettext("%(num)d year younger", "%(num)d years younger", -gap)
    if code.startswith("learned."):
        return _learned_text(code.removeprefix("learned."), data) or reason.get("text", "")
    return reason.get("text", "")


SUMMARY_REASONS = 3
# Summaries written so far, by everything they are made from; one process's list pages repeat them.
_summaries: dict[tuple, str] = {}
SUMMARIES_KEPT = 20_000


def reason_summary(reasons: Union[str, Sequence[dict[str, Any]]], sources: Sequence[str] = ()) -> str:
    """A pair's first reasons on one line, "Both into art and music; Both speak Spanish; ...", as a
    list row shows them.

    ``reasons`` is the stored list or its JSON text. The line depends only on the reasons, the
    quoted texts and the reader's language, so each process keeps the lines it has written under
    exactly those: a page of fifty proposals reads them back rather than writing each again.
    """
    text = reasons if isinstance(reasons, str) else json.dumps(list(reasons[:SUMMARY_REASONS]))
    key = (get_locale(), text, *sources)
    summary = _summaries.get(key)
    if summary is None:
        listed = json.loads(text) if isinstance(reasons, str) else reasons
        summary = "; ".join(reason_text(r, sources) for r in listed[:SUMMARY_REASONS])
        if len(_summaries) >= SUMMARIES_KEPT:
            _summaries.clear()
        _summaries[key] = summary
    return summary


def _learned_text(group: str, data: dict[str, Any]) -> str:
    """A learned model's reasons, one per group of features, in the reader's language."""
    if group == "interests":
        return reason_text({"code": "interests.shared" if data.get("shared") else "interests.none", "data": data})
    if group == "languages":
        return reason_text({"code": "languages.shared" if data.get("shared") else "languages.none",
                            "data": {"languages": data.get("shared") or []}})
    if group == "availability":
        return reason_text({"code": "availability.shared" if data.get("slots") else "availability.none",
                            "data": data})
    if group == "text":
        return reason_text({"code": "text.shared" if data.get("terms") else "text.none", "data": data})
    if group == "wording":
        if not data.get("similarity"):
            return _("Goals and experience use no similar words")
        return _("Goals and experience use similar words (similarity %(similarity)s)",
                 similarity=format_decimal(data["similarity"], format="0.00"))
    if group == "distance":
        if data.get("miles") is None:
            return reason_text({"code": "distance.unknown"})
        return reason_text({"code": "distance.miles", "data": data})
    if group == "experience":
        years = data.get("years") or 0
        return reason_text({"code": "experience.years" if years > 0 else "experience.new",
                            "data": {"years": years, "age_gap": None}})
    if group == "age_gap":
        gap = data.get("age_gap")
        if gap is None:
            return _("The mentor's age is not known")
        if gap >= 0:
            return ngettext("The mentor is %(num)d year older", "The mentor is %(num)d years older", gap)
        return ngettext("The mentor is %(num)d year younger", "The mentor is %(num)d years younger", -gap)
    if group == "track_record":
        lasted, early = data.get("lasted", 0), data.get("closed_early", 0)
        if not lasted and not early:
            return _("New mentor in this program")
        return ngettext("%(num)d of the mentor's matches in this program lasted a year",
                        "%(num)d of the mentor's matches in this program lasted a year", lasted) + "; " + \
            ngettext("%(num)d closed early", "%(num)d closed early", early)
    if group == "waiting":
        return ngettext("Waited %(num)d day", "Waited %(num)d days", data.get("days", 0))
    return ""


def reason_texts(reasons: Iterable[dict[str, Any]], limit: int | None = None) -> list[str]:
    texts = [reason_text(r) for r in reasons]
    return texts[:limit] if limit is not None else texts
