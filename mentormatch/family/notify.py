"""E-mail to families, each person in their own language, and to the coordinators.

Other features call `notify_family(application, event)` when something happens to an
application that the family must hear about.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from mentormatch import mail
from mentormatch.extensions import db
from mentormatch.models import Application, Role, User

FAMILY_EVENTS = {
    "submitted": (_l("We received the application to %(program)s"), "application_submitted"),
    "needs_consent": (_l("Waiting for a guardian's consent: %(program)s"), "application_needs_consent"),
    "ineligible": (_l("About the application to %(program)s"), "application_ineligible"),
    "consent_recorded": (_l("Consent recorded: %(program)s"), "consent_recorded"),
    "consent_declined": (_l("Consent declined: %(program)s"), "consent_declined"),
    "proposed": (_l("A mentor is proposed: %(program)s"), "mentor_proposed"),
}


def _account(email: str) -> Optional[User]:
    return db.session.scalar(sa.select(User).where(User.email == email.lower()))


def family_contacts(application: Application, extra_to: Optional[str] = None) -> list[tuple[str, str]]:
    """(address, language) for the guardian and the young person, plus an extra address."""
    youth = application.youth
    people = [u for u in (youth.guardian, youth.user) if u is not None and u.is_active_account]
    contacts = [(u.email, u.locale) for u in people]
    if extra_to and extra_to.lower() not in {address for address, _ in contacts}:
        account = _account(extra_to)
        contacts.append((extra_to, account.locale if account else family_locale(application)))
    return contacts


def family_locale(application: Application) -> str:
    youth = application.youth
    for person in (youth.guardian, youth.user):
        if person is not None:
            return person.locale
    return "en"


@contextmanager
def consent_request_locale(application: Application) -> Iterator[None]:
    """The guardian's own language when they have an account, else the family's."""
    account = _account(application.youth.guardian_email or "")
    with force_locale(account.locale if account else family_locale(application)):
        yield


def notify_family(application: Application, event: str, extra_to: Optional[str] = None) -> None:
    """E-mail the family about `event` (one of FAMILY_EVENTS), each in their language."""
    subject, template = FAMILY_EVENTS[event]
    # Imported here because journey, which sends these e-mails, imports this module.
    from mentormatch.family.journey import ineligible_explanation, open_match

    context = {"application": application, "youth": application.youth, "program": application.program,
               "ineligible_reason": ineligible_explanation}
    if event == "proposed":
        match = open_match(application)
        context["match"] = match
        context["reasons"] = [r.get("text", "") for r in (match.proposal.reasons if match and match.proposal else [])]
    for address, locale in family_contacts(application, extra_to):
        with force_locale(locale):
            context["link"] = url_for("family.status", application_id=application.id, _external=True)
            mail.send(address, str(subject) % {"program": application.program.name}, template, **context)


def notify_staff(application: Application, event: str, **context) -> None:
    """E-mail every active coordinator; staff read English."""
    coordinators = db.session.scalars(
        sa.select(User).where(User.role == Role.COORDINATOR, User.is_active_account)
    )
    subjects = {"consent_withdrawn": "Guardian consent withdrawn: application {id} paused",
                "mentor_declined": "Proposed mentor declined by the family: application {id}"}
    for coordinator in coordinators:
        with force_locale("en"):
            mail.send(coordinator.email, subjects[event].format(id=application.id), event,
                      application=application, youth=application.youth, program=application.program,
                      coordinator=coordinator, **context)


def send_welcome(user: User) -> None:
    """The welcome e-mail after registration, in the language chosen at sign-up."""
    with force_locale(user.locale):
        mail.send(user.email, str(_l("Welcome to MentorMatch")), "welcome", user=user,
                  link=url_for("main.home", _external=True))
