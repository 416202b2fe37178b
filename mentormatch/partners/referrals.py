"""What happens to a referral: a liaison refers a family (one by one or from a list), the family
is e-mailed a single-use link, and applies from it or declines; the family decides what the
partner may see.

What the liaison typed stays on the referral. It becomes the child's record only through the
family's own application, where the family confirms every answer (the child's first name is the
one thing offered to them pre-filled).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa
from flask import current_app

from mentormatch import mail
from mentormatch.extensions import db
from mentormatch.links import external_url
from mentormatch.models import (
    OPEN_REFERRAL_STATUSES,
    AgeBand,
    Application,
    Partner,
    PartnerLiaison,
    Program,
    Referral,
    ReferralInvitation,
    ReferralStatus,
    Role,
    User,
    Youth,
    record_audit,
    utcnow,
)
from mentormatch.partners.notifications import invitation_subject

# Links a family may be sent for one referral in a day, so a liaison cannot flood an address.
LINKS_PER_DAY = 3
LANGUAGES = ("en", "es")


class ReferralRefused(Exception):
    """Nothing was saved or sent: the message says why, in words a liaison understands."""


@dataclass
class ReferralData:
    """One referral as the liaison gave it, before it is saved."""

    family_email: str
    family_locale: str
    child_first_name: str
    age_band: AgeBand
    programs: list[Program] = field(default_factory=list)
    reason: str = ""
    family_agreed: bool = False


def liaison_partner(user: User) -> Optional[Partner]:
    """The organization a liaison account speaks for."""
    if user.role is not Role.PARTNER:
        return None
    link = db.session.get(PartnerLiaison, user.id)
    return link.partner if link is not None else None


def open_duplicate(family_email: str, child_first_name: str) -> Optional[Referral]:
    """An open referral (by any partner) of the same child of the same family."""
    return db.session.scalar(
        sa.select(Referral).where(
            sa.func.lower(Referral.family_email) == family_email.strip().lower(),
            sa.func.lower(Referral.child_first_name) == child_first_name.strip().lower(),
            Referral.status.in_(OPEN_REFERRAL_STATUSES),
        ).limit(1)
    )


def _check(partner: Optional[Partner], data: ReferralData) -> None:
    if partner is None or not partner.is_active:
        raise ReferralRefused("Your organization is not an active partner; ask the department to restore it.")
    if not data.family_agreed:
        raise ReferralRefused("Refer a family only once they agreed to be contacted.")
    if not data.programs:
        raise ReferralRefused("Suggest at least one program.")
    if open_duplicate(data.family_email, data.child_first_name) is not None:
        raise ReferralRefused(f"{data.child_first_name} of {data.family_email} already has an open referral.")


def _create(liaison: User, partner: Partner, data: ReferralData) -> Referral:
    referral = Referral.record(
        liaison, partner=partner, referred_by=liaison, family_email=data.family_email.strip().lower(),
        family_locale=data.family_locale if data.family_locale in LANGUAGES else "en",
        child_first_name=data.child_first_name.strip(), age_band=data.age_band, reason=data.reason.strip(),
        family_agreed_at=utcnow(),
    )
    referral.programs = list(data.programs)
    _send_link(referral)
    return referral


def refer(liaison: User, data: ReferralData) -> Referral:
    """Save one referral and e-mail the family its link, or refuse with the reason."""
    partner = liaison_partner(liaison)
    _check(partner, data)
    referral = _create(liaison, partner, data)
    db.session.commit()
    return referral


def refer_many(liaison: User, rows: list[ReferralData]) -> list[Referral]:
    """Save every row and e-mail each family, in one transaction: all of them, or none."""
    partner = liaison_partner(liaison)
    seen = set()
    created = []
    try:
        for row in rows:
            key = (row.family_email.strip().lower(), row.child_first_name.strip().lower())
            if key in seen:
                raise ReferralRefused(f"{row.child_first_name} of {row.family_email} is in the list twice.")
            seen.add(key)
            _check(partner, row)
            created.append(_create(liaison, partner, row))
    except ReferralRefused:
        db.session.rollback()
        raise
    db.session.commit()
    return created


def link_days() -> int:
    return current_app.config["REFERRAL_LINK_DAYS"]


def _send_link(referral: Referral) -> None:
    # The link's secret exists only here, so its e-mail is written here, in this transaction.
    days = link_days()
    _invitation, raw = ReferralInvitation.issue(referral, timedelta(days=days))
    mail.queue_message(referral.family_email, invitation_subject(referral), "referral_invitation",
                       referral.family_locale, referral=referral, partner=referral.partner,
                       programs=referral.programs, days=days,
                       link=external_url("partners.invitation", token=raw))


def resend(referral: Referral, liaison: User) -> None:
    """A fresh link for a family that has not answered; the earlier one stops working."""
    if referral.status is not ReferralStatus.INVITED:
        raise ReferralRefused("The family has already answered; there is nothing to send.")
    since = utcnow() - timedelta(days=1)
    if sum(1 for i in referral.invitations if i.created_at >= since) >= LINKS_PER_DAY:
        raise ReferralRefused(f"The link was sent {LINKS_PER_DAY} times today. Try again tomorrow.")
    _send_link(referral)
    record_audit(liaison, "referral.link_sent", referral)
    db.session.commit()


def withdraw(referral: Referral, liaison: User) -> None:
    """The liaison takes back a referral the family has not answered; its link stops working."""
    for invitation in referral.invitations:
        invitation.used_at = invitation.used_at or utcnow()
    referral.move_to(ReferralStatus.WITHDRAWN, liaison)
    db.session.commit()


def decline(invitation: ReferralInvitation, user: Optional[User]) -> None:
    """The family says no, thank you: the link is spent and the liaison sees it."""
    invitation.used_at = utcnow()
    invitation.referral.move_to(ReferralStatus.DECLINED, user)
    db.session.commit()


class AcceptRefused(Exception):
    """The application was not started; the message is for the family."""


@dataclass
class NewChild:
    first_name: str
    last_name: str
    date_of_birth: date


def accept(invitation: ReferralInvitation, user: User, program_id: int, youth: Optional[Youth] = None,
           child: Optional[NewChild] = None) -> Application:
    """The family starts an application from the link: for a child of theirs, or one they add now.

    The application is a draft; the family fills in and confirms every step as any family does.
    """
    referral = invitation.referral
    if program_id not in {p.id for p in referral.programs if p.is_active}:
        raise AcceptRefused("program")
    _confirm_invited_address(invitation, user)
    if youth is None:
        youth = Youth(guardian=user, first_name=child.first_name.strip(), last_name=child.last_name.strip(),
                      date_of_birth=child.date_of_birth)
        record_audit(user, "youth.create", youth, referral_id=referral.id)
    application = next((a for a in youth.applications if a.program_id == program_id and a.status.is_open), None)
    if application is None:
        application = Application(youth=youth, program_id=program_id, created_by=user, referral_id=referral.id)
        record_audit(user, "application.start", application, referral_id=referral.id)
    elif application.referral_id is None:
        application.referral_id = referral.id
        record_audit(user, "application.referral_linked", application, referral_id=referral.id)
    invitation.used_at = utcnow()
    referral.move_to(ReferralStatus.APPLIED, user, application_id=application.id)
    db.session.commit()
    return application


def register_family(invitation: ReferralInvitation, first_name: str, last_name: str, phone: Optional[str],
                    password: str, locale: str) -> User:
    """A guardian account for the invited address, confirmed by the link that reached it."""
    user = User(email=invitation.email, role=Role.GUARDIAN, first_name=first_name.strip(),
                last_name=last_name.strip(), phone=(phone or "").strip() or None,
                locale=locale if locale in LANGUAGES else "en")
    user.set_password(password)
    db.session.add(user)
    record_audit(user, "account.register", user, role=Role.GUARDIAN.value, referral_id=invitation.referral_id)
    _confirm_invited_address(invitation, user)
    db.session.commit()
    return user


def _confirm_invited_address(invitation: ReferralInvitation, user: User) -> None:
    # The link reached the mailbox, which is all a confirmation e-mail would prove.
    if user.email == invitation.email and user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record_audit(user, "account.email_confirmed", user, via="referral link")


def set_view(referral: Referral, user: User, shared: bool) -> None:
    """The family withdraws, or gives back, the partner's view of the referral's progress."""
    if shared == (referral.view_withdrawn_at is None):
        return
    referral.view_withdrawn_at = None if shared else utcnow()
    record_audit(user, "referral.view_shared" if shared else "referral.view_withdrawn", referral,
                 partner_id=referral.partner_id)
    db.session.commit()
