"""E-mail that follows the partnership's domain events: who hears of a referral, an event or a
story, in their own language; staff and liaisons read English.

Each consequence writes to the outbox under a key of the event and the recipient, so an event
handled twice e-mails nobody twice, and quiet events (history being loaded) e-mail nobody.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mentormatch.eventbus import subscribe
from mentormatch.extensions import db
from mentormatch.links import external_url
from mentormatch.models import DomainEvent, Referral, User
from mentormatch.notifications import Recipient, notify


def person(user: User) -> Recipient:
    return Recipient(user.email, user.first_name, user.locale or "en")


@subscribe("referral.applied", "referral.declined")
def family_answered(event: DomainEvent) -> None:
    """The liaison who referred the family hears that it applied or said no; nothing more."""
    referral = db.session.get(Referral, event.object_id)
    liaison = referral.referred_by
    if liaison is None or not liaison.is_active_account:
        return
    applied = event.kind == "referral.applied"
    subject = (f"{referral.child_first_name}'s family started an application" if applied
               else f"{referral.child_first_name}'s family declined the invitation")
    notify(event, [Recipient(liaison.email, liaison.first_name, "en")], subject, "referral_answered",
           referral=referral, applied=applied, link=external_url("partners.list_referrals"))


def invitation_subject(referral: Referral):
    return _l("%(partner)s suggests MentorMatch for %(name)s", partner=referral.partner.name,
              name=referral.child_first_name)
