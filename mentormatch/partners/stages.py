"""What a liaison may know of a referral: the stage it reached and when, nothing more.

Never the child's application, the mentor, or why anything happened. Once the family withdraws
the partner's view, the liaison learns only that.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mentormatch.extensions import db
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    Application,
    ApplicationStatus,
    Match,
    MatchStatus,
    Partner,
    Referral,
    ReferralStatus,
)

STAGE_LABELS = {
    "invited": "Invited",
    "declined": "Declined by the family",
    "withdrawn": "Withdrawn by you",
    "applied": "Applied",
    "waiting": "Waiting for a mentor",
    "matched": "Matched",
    "match_closed": "Match closed",
    "not_going_ahead": "Not going ahead",
    "view_withdrawn": "The family withdrew the view",
}
WAITING = frozenset({ApplicationStatus.WAITLISTED, ApplicationStatus.PROPOSED})
# Further along is told first when a family applied to more than one program.
ORDER = ("matched", "match_closed", "waiting", "applied", "not_going_ahead")


@dataclass(frozen=True)
class Stage:
    code: str
    on: Optional[date]

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.code]


def _application_stage(application: Application, matches: list[Match]) -> Stage:
    open_match = next((m for m in matches if m.status in OPEN_MATCH_STATUSES), None)
    if open_match is not None:
        return Stage("matched", open_match.approved_at.date())
    closed = [m for m in matches if m.status is MatchStatus.CLOSED and m.closed_at is not None]
    if closed:
        return Stage("match_closed", max(m.closed_at for m in closed).date())
    if application.status in WAITING or (application.status is ApplicationStatus.PAUSED
                                         and application.waiting_since is not None):
        return Stage("waiting", application.waiting_since.date() if application.waiting_since else None)
    if not application.status.is_open:
        return Stage("not_going_ahead", application.status_changed_at.date())
    return Stage("applied", application.created_at.date())


def stage_of(referral: Referral, matches_by_application: dict[int, list[Match]], for_staff: bool = False) -> Stage:
    """The stage a referral reached; a liaison sees only that the family withdrew the view, once it has."""
    if referral.status is ReferralStatus.INVITED:
        return Stage("invited", referral.created_at.date())
    if referral.status is ReferralStatus.DECLINED:
        return Stage("declined", referral.status_changed_at.date())
    if referral.status is ReferralStatus.WITHDRAWN:
        return Stage("withdrawn", referral.status_changed_at.date())
    if referral.view_withdrawn and not for_staff:
        return Stage("view_withdrawn", None)
    stages = [_application_stage(a, matches_by_application.get(a.id, [])) for a in referral.applications]
    if not stages:
        return Stage("applied", referral.status_changed_at.date())
    return min(stages, key=lambda s: ORDER.index(s.code))


def referrals_with_stages(partner: Optional[Partner], for_staff: bool = False,
                          statuses: Optional[Iterable[ReferralStatus]] = None) -> list[tuple[Referral, Stage]]:
    """Referrals newest first (a partner's own, or every one for staff), each with its stage."""
    statement = (sa.select(Referral)
                 .options(so.selectinload(Referral.applications), so.selectinload(Referral.programs),
                          so.selectinload(Referral.partner))
                 .order_by(Referral.created_at.desc(), Referral.id.desc()))
    if partner is not None:
        statement = statement.where(Referral.partner_id == partner.id)
    if statuses is not None:
        statement = statement.where(Referral.status.in_(list(statuses)))
    referrals = list(db.session.scalars(statement))
    application_ids = [a.id for r in referrals for a in r.applications]
    matches: dict[int, list[Match]] = {}
    if application_ids:
        for match in db.session.scalars(sa.select(Match).where(Match.application_id.in_(application_ids))):
            matches.setdefault(match.application_id, []).append(match)
    return [(r, stage_of(r, matches, for_staff)) for r in referrals]


def waiting_for_family() -> list[Referral]:
    """The ten newest referrals whose family has not answered yet: the coordinator's dashboard lists them."""
    return list(db.session.scalars(_WAITING_FOR_FAMILY))


# Built once, as every view of the staff dashboard runs it: a statement keeps its cache key, so a
# view skips walking the statement and its loader options.
_WAITING_FOR_FAMILY = (sa.select(Referral).where(Referral.status == ReferralStatus.INVITED)
                       .options(so.selectinload(Referral.partner), so.selectinload(Referral.programs))
                       .order_by(Referral.created_at.desc(), Referral.id.desc()).limit(10))
