"""Keyword builders for the partnership's test data: partners, liaisons, referrals, events, stories."""
from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta, timezone

from mentormatch.extensions import db
from mentormatch.models import (
    AgeBand,
    Audience,
    Gathering,
    GatheringKind,
    GatheringStatus,
    Partner,
    PartnerKind,
    PartnerLiaison,
    Referral,
    ReferralInvitation,
    Role,
    utcnow,
)
from tests.builders import make_user

_seq = itertools.count(1)


def make_partner(**overrides) -> Partner:
    n = next(_seq)
    fields = dict(name=f"Partner School {n}", kind=PartnerKind.SCHOOL, contact_name="Pat Lee",
                  contact_email=f"office{n}@school.example.org")
    fields.update(overrides)
    partner = Partner(**fields)
    db.session.add(partner)
    db.session.commit()
    return partner


def make_liaison(partner: Partner | None = None, **overrides):
    partner = partner or make_partner()
    user = make_user(Role.PARTNER, **overrides)
    db.session.add(PartnerLiaison(user=user, partner=partner))
    db.session.commit()
    return user


def make_referral(liaison, programs, *, email: str | None = None, child: str = "Ana", locale: str = "en",
                  link_days: int = 21, **overrides) -> tuple[Referral, str]:
    """A referral as a liaison's form saves it, with a usable link; returns it and the link's secret."""
    n = next(_seq)
    partner = db.session.get(PartnerLiaison, liaison.id).partner
    fields = dict(partner=partner, referred_by=liaison, family_email=email or f"family{n}@example.org",
                  family_locale=locale, child_first_name=child, age_band=AgeBand.FOURTEEN_FIFTEEN,
                  reason="Loves robotics", family_agreed_at=utcnow())
    fields.update(overrides)
    referral = Referral.record(liaison, **fields)
    referral.programs = list(programs)
    _invitation, raw = ReferralInvitation.issue(referral, timedelta(days=link_days))
    db.session.commit()
    return referral, raw


def at(day, hour: int = 18) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def make_gathering(starts: datetime | None = None, hours: float = 2, **overrides) -> Gathering:
    n = next(_seq)
    starts = starts or utcnow().replace(microsecond=0) + timedelta(days=7)
    fields = dict(title=f"Coffee with a Cop {n}", kind=GatheringKind.COFFEE_WITH_A_COP, starts_at=starts,
                  ends_at=starts + timedelta(hours=hours), place="Oak Park Community Center", capacity=None,
                  audience=Audience.PUBLIC, status=GatheringStatus.PUBLISHED, published_at=utcnow())
    fields.update(overrides)
    gathering = Gathering(**fields)
    db.session.add(gathering)
    db.session.commit()
    return gathering
