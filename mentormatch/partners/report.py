"""Outcomes by referral source: for each partner, and for families who came on their own.

* referrals: made by the partner; applications: submitted applications started from them.
* matched: those applications that reached a match (approved by a coordinator).
* median wait: days from joining the waitlist to the first match, over the matched ones.
* lasting 6 / 12 months: of first matches that started at least 182 / 365 days ago, those not
  closed within 182 / 365 days (as in the program report).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Optional

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import Application, Match, Partner, Referral
from mentormatch.reports.figures import SIX_MONTHS, TWELVE_MONTHS, length_days, match_start, median

HEADER = ("source", "kind", "referrals", "applications", "matched", "median_wait_days",
          "lasting_6_months", "of_6_months", "lasting_12_months", "of_12_months")


@dataclass
class SourceRow:
    source: str
    kind: str
    referrals: Optional[int]
    applications: int
    matched: int
    median_wait: Optional[float]
    six: tuple[int, int]
    twelve: tuple[int, int]

    @staticmethod
    def share(part_whole: tuple[int, int]) -> str:
        part, whole = part_whole
        return f"{part} of {whole} ({part / whole:.0%})" if whole else "—"

    def csv(self) -> list:
        return [self.source, self.kind, "" if self.referrals is None else self.referrals, self.applications,
                self.matched, "" if self.median_wait is None else self.median_wait, *self.six, *self.twelve]


def _row(source: str, kind: str, referrals: Optional[int], applications: list[Application],
         matches: dict[int, list[Match]], today: date) -> SourceRow:
    submitted = [a for a in applications if a.submitted_at is not None]
    firsts = [min(matches[a.id], key=lambda m: m.approved_at) for a in submitted if matches.get(a.id)]
    waits = [max(0, (m.approved_at - m.application.waiting_since).days) for m in firsts
             if m.application.waiting_since is not None]

    def lasting(days: int) -> tuple[int, int]:
        cohort = [m for m in firsts if (today - match_start(m)).days >= days]
        return sum(1 for m in cohort if length_days(m, today) >= days), len(cohort)

    return SourceRow(source, kind, referrals, len(submitted), len(firsts), median(waits),
                     lasting(SIX_MONTHS), lasting(TWELVE_MONTHS))


def by_source(partner: Optional[Partner] = None, today: Optional[date] = None) -> list[SourceRow]:
    """One row per partner (only `partner`'s when given), then one for families who came on their own."""
    today = today or date.today()
    partners = [partner] if partner is not None else list(db.session.scalars(sa.select(Partner).order_by(Partner.name)))
    referral_counts = dict(db.session.execute(
        sa.select(Referral.partner_id, sa.func.count(Referral.id)).group_by(Referral.partner_id)).all())
    statement = sa.select(Application, Referral.partner_id).outerjoin(Referral, Application.referral_id == Referral.id)
    if partner is not None:
        statement = statement.where(Referral.partner_id == partner.id)
    applications: dict[Optional[int], list[Application]] = defaultdict(list)
    for application, partner_id in db.session.execute(statement):
        applications[partner_id].append(application)
    ids = [a.id for group in applications.values() for a in group]
    matches: dict[int, list[Match]] = defaultdict(list)
    for chunk in range(0, len(ids), 900):
        for match in db.session.scalars(sa.select(Match).where(Match.application_id.in_(ids[chunk:chunk + 900]))):
            matches[match.application_id].append(match)
    rows = [_row(p.name, p.kind.label, referral_counts.get(p.id, 0), applications.get(p.id, []), matches, today)
            for p in partners]
    if partner is None:
        rows.append(_row("No referral (came on their own)", "", None, applications.get(None, []), matches, today))
    return rows
