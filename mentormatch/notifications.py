"""Who hears about what, in which language: every e-mail a domain event causes, decided here.

One rule says who speaks for a young person (`who_speaks_for`); every e-mail to a family goes
to the people it names, each in their own language. Staff read English. Each consequence
below writes its messages to the outbox under a key made of the event and the recipient, so
an event handled twice e-mails nobody twice; quiet events (history being loaded) e-mail nobody.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from mentormatch.eventbus import subscribe
from mentormatch.extensions import db
from mentormatch.links import external_url
from mentormatch.mail import queue_message
from mentormatch.models import (
    Application,
    ApplicationStatus,
    DomainEvent,
    GuardianConsent,
    Match,
    MatchProposal,
    Mentor,
    Role,
    User,
    Youth,
)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    locale: str


def _person(user: User) -> Recipient:
    return Recipient(user.email, user.first_name, user.locale or "en")


def who_speaks_for(youth: Youth, application: Optional[Application] = None) -> list[Recipient]:
    """The family members who hear about a young person's application.

    Under 18: the guardian (their account, or else the address that gave consent; an address
    the youth named that has not consented hears only the consent request), and the young
    person's own account when they have one. From 18:
    the young person, or the guardian's account when the young person has none of their own.
    Closed or deleted accounts hear nothing.
    """
    guardian = youth.guardian if youth.guardian is not None and youth.guardian.is_active_account else None
    own = youth.user if youth.user is not None and youth.user.is_active_account else None
    if not youth.is_minor():
        chosen = own or guardian
        return [_person(chosen)] if chosen else []
    people = []
    if guardian is not None:
        people.append(_person(guardian))
    else:
        address = _consenting_address(application)
        if address:
            people.append(Recipient(address, "", own.locale if own else "en"))
    if own is not None:
        people.append(_person(own))
    return people


def _consenting_address(application: Optional[Application]) -> Optional[str]:
    consent = application.active_consent if application is not None else None
    return consent.guardian_email if consent else None


def coordinators() -> list[Recipient]:
    users = db.session.scalars(sa.select(User).where(User.role == Role.COORDINATOR, User.is_active_account)
                               .order_by(User.id))
    return [Recipient(u.email, u.first_name, "en") for u in users]


def notify(event: DomainEvent, people: Iterable[Recipient], subject: Any, template: str, **context: Any) -> None:
    """Write one message per address for this event (once, under its key), unless the event is quiet."""
    if event.quiet:
        return
    seen = set()
    for person in people:
        address = person.email.lower()
        if address in seen:
            continue
        seen.add(address)
        queue_message(person.email, subject, template, person.locale, key=f"{event.id}:{template}:{address}",
                      recipient=person, **context)


def _application(event: DomainEvent) -> Application:
    return db.session.get(Application, event.object_id if event.object_type == "applications"
                          else event.data["application_id"])


def _family_context(application: Application) -> dict[str, Any]:
    return {"application": application, "youth": application.youth, "program": application.program,
            "link": external_url("family.status", application_id=application.id)}


# ---------------------------------------------------------------- the family's application


@subscribe("application.under_review")
def application_submitted(event: DomainEvent) -> None:
    """The family sent the application (consent by link has its own e-mail)."""
    if event.data.get("before", {}).get("status") != "draft":
        return
    application = _application(event)
    notify(event, who_speaks_for(application.youth, application),
          _l("We received the application to %(program)s", program=application.program.name),
          "application_submitted", **_family_context(application))


@subscribe("application.awaiting_consent")
def application_needs_consent(event: DomainEvent) -> None:
    application = _application(event)
    notify(event, who_speaks_for(application.youth, application),
          _l("Waiting for a guardian's consent: %(program)s", program=application.program.name),
          "application_needs_consent", **_family_context(application))


@subscribe("application.ineligible", "application.waitlisted", "application.info_requested")
def application_decided(event: DomainEvent) -> None:
    """A coordinator's decision, or the program's age and grade rule applied at the first step."""
    application = _application(event)
    reason = (event.data.get("after") or {}).get("reason") or ""
    if event.data.get("source") == "rules":
        from mentormatch.family.journey import ineligible_explanation

        notify(event, who_speaks_for(application.youth, application),
              _l("About the application to %(program)s", program=application.program.name),
              "application_ineligible", ineligible_reason=ineligible_explanation, **_family_context(application))
        return
    if event.data.get("source") != "review":
        return
    decision = {"application.waitlisted": "eligible", "application.ineligible": "ineligible",
                "application.info_requested": "info"}[event.kind]
    notify(event, who_speaks_for(application.youth, application),
          _l("News about your MentorMatch application"), "coordinator_decision",
          decision=decision, reason=reason, **_family_context(application))


@subscribe("consent.given", "consent.to_confirm", "consent.declined")
def consent_answered(event: DomainEvent) -> None:
    """The guardian answered the e-mailed link: the family, and that address, hear of it. Consent
    given again to a paused application is for the coordinators to act on."""
    application = _application(event)
    if event.data.get("method") != "emailed_link":
        if event.kind == "consent.given" and application.status is ApplicationStatus.PAUSED:
            notify(event, coordinators(), f"Guardian consent given again: application {application.id}",
                  "consent_given_again", application=application, youth=application.youth,
                  program=application.program, link=external_url("coordinator.review_application",
                                                                 application_id=application.id))
        return
    people = who_speaks_for(application.youth, application)
    answered = event.data.get("email")
    if answered and answered.lower() not in {p.email.lower() for p in people}:
        people.append(Recipient(answered, "", people[0].locale if people else "en"))
    if event.kind == "consent.declined":
        notify(event, people, _l("Consent declined: %(program)s", program=application.program.name),
              "consent_declined", **_family_context(application))
    else:
        notify(event, people, _l("Consent recorded: %(program)s", program=application.program.name),
              "consent_recorded", **_family_context(application))


# ---------------------------------------------------------------- matches


@subscribe("proposal.approved")
def match_proposed(event: DomainEvent) -> None:
    """Staff approved a proposal: the family meets the mentor's first name, the mentor the youth's."""
    proposal = db.session.get(MatchProposal, event.object_id)
    application, mentor = proposal.application, proposal.mentor.user
    context = {"youth": application.youth, "program": application.program, "mentor": mentor,
               "reasons": proposal.reasons}
    notify(event, who_speaks_for(application.youth, application), _l("A mentor has been proposed"),
          "match_proposed_family", **context)
    notify(event, [_person(mentor)], _l("You have a new mentee"), "match_proposed_mentor", **context)


@subscribe("match.accepted")
def match_accepted(event: DomainEvent) -> None:
    """The family said yes: the mentor may now see how to reach them (and is reminded how to meet)."""
    match = db.session.get(Match, event.object_id)
    application = match.application
    notify(event, [_person(match.mentor.user)], _l("The family accepted the match"), "match_accepted_mentor",
          youth=application.youth, program=application.program, link=external_url("main.home"))


@subscribe("proposal.declined_by_guardian")
def mentor_declined(event: DomainEvent) -> None:
    proposal = db.session.get(MatchProposal, event.object_id)
    application = proposal.application
    notify(event, coordinators(), f"Proposed mentor declined by the family: application {application.id}",
          "mentor_declined", application=application, youth=application.youth, program=application.program,
          mentor=proposal.mentor, actor=proposal.decided_by, reason=proposal.decision_reason or "")


@subscribe("consent.withdrawn")
def consent_withdrawn(event: DomainEvent) -> None:
    application = _application(event)
    consent = db.session.get(GuardianConsent, event.data["consent_id"])
    notify(event, coordinators(), f"Guardian consent withdrawn: application {application.id} paused",
          "consent_withdrawn", application=application, youth=application.youth, program=application.program,
          guardian=consent.guardian_user, guardian_email=consent.guardian_email,
          reason=consent.withdrawal_reason or "")


@subscribe("match.paused")
def match_paused(event: DomainEvent) -> None:
    """Staff must decide; the mentor learns the match is on hold, not why."""
    match = db.session.get(Match, event.object_id)
    application = match.application
    notify(event, coordinators(), f"Match paused: {application.youth.first_name} and {match.mentor.user.first_name}",
          "match_paused_staff", match=match, youth=application.youth, program=application.program,
          link=external_url("lifecycle.show", match_id=match.id))
    notify(event, [_person(match.mentor.user)], _l("A match is on hold"), "match_paused_mentor",
          youth=application.youth, program=application.program)


@subscribe("match.awaiting_first_meeting", "match.active")
def match_resumed(event: DomainEvent) -> None:
    if (event.data.get("before") or {}).get("status") != "paused":
        return
    match = db.session.get(Match, event.object_id)
    notify(event, [_person(match.mentor.user)], _l("A match goes on"), "match_resumed_mentor",
          youth=match.application.youth, program=match.application.program)


@subscribe("account.email_confirmed")
def welcome(event: DomainEvent) -> None:
    """The welcome e-mail once a new account has confirmed its address, in the language chosen at sign-up."""
    user = db.session.get(User, event.object_id)
    notify(event, [_person(user)], _l("Welcome to MentorMatch"), "welcome", user=user,
          link=external_url("main.home"))


def mentor_recipient(mentor: Mentor) -> Recipient:
    return _person(mentor.user)
