"""What happens to an application as a family moves through it: submit, consent, decline,
withdraw; the waitlist figures a family is shown; and the family's data rights."""
from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mentormatch import mail
from mentormatch.extensions import db
from mentormatch.lifecycle.actions import close_match
from mentormatch.links import external_url
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    AccessToken,
    Application,
    ApplicationStatus,
    ClosureReason,
    ConsentMethod,
    ConsentStatus,
    GuardianConsent,
    Match,
    MatchStatus,
    Mentor,
    Program,
    ProposalStatus,
    Role,
    TokenPurpose,
    User,
    Youth,
    age_on,
    record_audit,
    utcnow,
)

STEPS = 5
# How far back approved matches count towards the waitlist estimate.
ESTIMATE_WINDOW_DAYS = 180


# ---------------------------------------------------------------- eligibility


def eligibility_reason(program: Program, born: date, grade: Optional[int], on: date) -> Optional[str]:
    """The program's own rule check, told to the family politely in their language."""
    if program.eligibility_problem(born, grade, on) is None:
        return None
    age = age_on(born, on)
    if age < program.min_age:
        return _("%(program)s starts at age %(min)s, and the applicant is %(age)s.",
                 program=program.name, min=program.min_age, age=age)
    if age > program.max_age:
        return _("%(program)s is for young people up to age %(max)s, and the applicant is %(age)s.",
                 program=program.name, max=program.max_age, age=age)
    if program.grade_rule_until_age is not None:
        return _("At age %(age)s, %(program)s asks for grade %(grade)s completed (from age %(until)s "
                 "no grade is needed).", age=age, program=program.name,
                 grade=program.min_grade_completed, until=program.grade_rule_until_age)
    return _("%(program)s asks for grade %(grade)s completed.",
             program=program.name, grade=program.min_grade_completed)


def programs_open_to(youth: Youth, on: Optional[date] = None) -> list[Program]:
    """Active programs this youth qualifies for and has no open application to."""
    on = on or date.today()
    if youth.date_of_birth is None:
        return []
    taken = {a.program_id for a in youth.applications if a.status.is_open}
    programs = db.session.scalars(sa.select(Program).where(Program.is_active).order_by(Program.name))
    return [
        p for p in programs
        if p.id not in taken and p.eligibility_problem(youth.date_of_birth, youth.grade_completed, on) is None
    ]


def check_eligibility(application: Application, actor: User) -> bool:
    """Mark the application ineligible, with the reason, when the program's rules exclude the youth."""
    youth = application.youth
    problem = application.program.eligibility_problem(youth.date_of_birth, youth.grade_completed, date.today())
    if problem is None:
        return True
    application.move_to(ApplicationStatus.INELIGIBLE, actor, problem, source="rules")
    db.session.commit()
    return False


def ineligible_explanation(application: Application) -> str:
    youth = application.youth
    if youth.date_of_birth is None or application.decided_at is None:
        return application.decision_reason or ""
    return eligibility_reason(
        application.program, youth.date_of_birth, youth.grade_completed, application.decided_at.date()
    ) or application.decision_reason or ""


# ---------------------------------------------------------------- the family's own records


def add_child(guardian: User, first_name: str, last_name: str, born: date) -> Youth:
    youth = Youth(guardian=guardian, first_name=first_name.strip(), last_name=last_name.strip(),
                  date_of_birth=born)
    record_audit(guardian, "youth.create", youth)
    db.session.commit()
    return youth


def open_or_start_application(youth: Youth, program_id: int, actor: User) -> Application:
    """The youth's open application to the program, or a new draft; never a second open one."""
    existing = next((a for a in youth.applications if a.program_id == program_id and a.status.is_open), None)
    if existing is not None:
        return existing
    application = Application(youth=youth, program_id=program_id, created_by=actor)
    record_audit(actor, "application.start", application)
    db.session.commit()
    return application


def save_step(application: Application, number: int, answers: dict, actor: User) -> None:
    """Keep one step's answers on the youth's record and let the family go on to the next."""
    youth = application.youth
    for name, value in answers.items():
        setattr(youth, name, value)
    application.draft_step = max(application.draft_step, number + 1)
    record_audit(actor, "application.draft_saved", application, step=number)
    db.session.commit()


# ---------------------------------------------------------------- submitting and consent


def submit(application: Application, actor: User, consent: Optional[dict] = None,
           guardian_email: Optional[str] = None) -> None:
    """Send a finished draft on: to review, or to the guardian for consent first."""
    if not application.needs_consent():
        application.move_to(ApplicationStatus.UNDER_REVIEW, actor, "Submitted")
    elif consent is not None:
        GuardianConsent.record(application, ConsentStatus.GIVEN, actor, email=actor.email,
                               method=ConsentMethod.GUARDIAN_ACCOUNT, guardian=actor, **consent)
        application.move_to(ApplicationStatus.UNDER_REVIEW, actor, "Submitted with guardian consent")
    else:
        application.youth.guardian_email = guardian_email
        application.move_to(ApplicationStatus.AWAITING_CONSENT, actor, "Waiting for guardian consent")
        _issue_consent_request(application, actor)
    db.session.commit()


# How many consent requests may go out in a day: for one application, and to one address
# whichever applications name it. A family that lost the e-mail can ask again a few times; an
# address cannot be flooded by resending, or by starting applications that name it.
CONSENT_REQUESTS_PER_APPLICATION = 3
CONSENT_REQUESTS_PER_ADDRESS = 5
CONSENT_REQUEST_WINDOW = timedelta(days=1)


class ConsentRequestRefused(Exception):
    """No consent request was sent: the message says why and when to try again."""


def consent_request_problem(application: Application, email: str) -> Optional[str]:
    """Why another consent request may not go out now, in the family's words; None when it may."""
    since = utcnow() - CONSENT_REQUEST_WINDOW
    requests = sa.select(sa.func.count(AccessToken.id)).where(
        AccessToken.purpose == TokenPurpose.GUARDIAN_CONSENT, AccessToken.created_at >= since)
    if db.session.scalar(requests.where(AccessToken.application_id == application.id)) \
            >= CONSENT_REQUESTS_PER_APPLICATION:
        return _("The consent request was already sent %(count)s times today. Please wait a day before "
                 "sending it again, or ask the guardian to look in their spam folder.",
                 count=CONSENT_REQUESTS_PER_APPLICATION)
    if db.session.scalar(requests.where(sa.func.lower(AccessToken.email) == email.lower())) \
            >= CONSENT_REQUESTS_PER_ADDRESS:
        return _("This address has received too many consent requests today. Please try again tomorrow.")
    return None


def request_consent(application: Application, actor: Optional[User]) -> None:
    """E-mail the named guardian a fresh single-use link; earlier links stop working."""
    _issue_consent_request(application, actor)
    db.session.commit()


def _issue_consent_request(application: Application, actor: Optional[User]) -> None:
    # The link's secret exists only here, so the message is written here, into the outbox of
    # this same transaction, rather than by a consequence of the event.
    email = application.youth.guardian_email
    problem = consent_request_problem(application, email)
    if problem:
        db.session.rollback()
        raise ConsentRequestRefused(problem)
    now = utcnow()
    for earlier in db.session.scalars(sa.select(AccessToken).where(
        AccessToken.application_id == application.id,
        AccessToken.purpose == TokenPurpose.GUARDIAN_CONSENT,
        AccessToken.used_at.is_(None),
    )):
        earlier.used_at = now
    days = current_app.config["CONSENT_LINK_DAYS"]
    _token, raw = AccessToken.issue(
        TokenPurpose.GUARDIAN_CONSENT, email, timedelta(days=days), application=application
    )
    record_audit(actor, "consent.requested", application, email=email)
    locale = consent_request_locale(application)
    mail.queue_message(email, _l("Your consent is needed for %(name)s's application",
                                 name=application.youth.first_name),
                       "consent_request", locale, application=application, youth=application.youth,
                       program=application.program, link=external_url("family.consent", token=raw), days=days)


def consent_request_locale(application: Application) -> str:
    """The guardian's own language when they have an account, else the family's."""
    account = guardian_account(application.youth.guardian_email or "")
    if account is not None:
        return account.locale
    youth = application.youth
    for person in (youth.guardian, youth.user):
        if person is not None:
            return person.locale
    return "en"


def guardian_account(email: str) -> Optional[User]:
    """The guardian account that has proven it owns `email`; an unconfirmed one is a stranger's claim."""
    account = db.session.scalar(sa.select(User).where(User.email == email.lower(), User.role == Role.GUARDIAN))
    return account if account is not None and account.email_confirmed else None


def _address_from_youth(application: Application) -> bool:
    """Whether the address the link went to was first typed in by the young person."""
    youth = application.youth
    return youth.user_id is not None and youth.guardian_id is None


def consent_by_link(token: AccessToken, relation: str, typed_signature: str) -> None:
    """The guardian consents through the e-mailed link.

    When the youth supplied the address, the consent waits for staff to confirm the guardian
    (a phone call, in person) before the child can be matched. The child follows only a guardian
    account that has itself confirmed that address: anyone can register an account under an
    address, but only its owner can open both the account's confirmation and the consent link.
    """
    application = token.application
    guardian = guardian_account(token.email)
    from_youth = _address_from_youth(application)
    GuardianConsent.record(application, ConsentStatus.TO_CONFIRM if from_youth else ConsentStatus.GIVEN,
                           guardian, email=token.email, relation=relation, typed_signature=typed_signature,
                           method=ConsentMethod.EMAILED_LINK, guardian=guardian, address_from_youth=from_youth)
    token.used_at = utcnow()
    if guardian is not None and application.youth.guardian_id is None:
        application.youth.guardian = guardian
    application.move_to(ApplicationStatus.UNDER_REVIEW, guardian, "Guardian consented by e-mailed link")
    db.session.commit()


def decline_by_link(token: AccessToken, relation: str, typed_signature: str) -> None:
    application = token.application
    guardian = guardian_account(token.email)
    GuardianConsent.record(application, ConsentStatus.DECLINED, guardian, email=token.email, relation=relation,
                           typed_signature=typed_signature, method=ConsentMethod.EMAILED_LINK, guardian=guardian,
                           address_from_youth=_address_from_youth(application))
    token.used_at = utcnow()
    application.move_to(ApplicationStatus.WITHDRAWN, guardian, "Guardian declined consent")
    db.session.commit()


def withdraw_consent(application: Application, guardian: User, reason: str) -> None:
    """Withdrawn consent pauses the application at once; its matches pause after commit."""
    application.active_consent.move_to(ConsentStatus.WITHDRAWN, guardian, reason)
    application.move_to(ApplicationStatus.PAUSED, guardian, f"Guardian withdrew consent: {reason}")
    db.session.commit()


def can_withdraw_consent(application: Application, user: User) -> bool:
    return (
        user.role is Role.GUARDIAN
        and application.youth.guardian_id == user.id
        and application.active_consent is not None
        and application.can_move_to(ApplicationStatus.PAUSED)
    )


def can_consent_again(application: Application, user: User) -> bool:
    """A guardian whose consent was withdrawn may give it again while the application is paused."""
    return (
        user.role is Role.GUARDIAN
        and application.youth.guardian_id == user.id
        and application.status is ApplicationStatus.PAUSED
        and application.needs_consent()
        and application.active_consent is None
    )


def consent_again(application: Application, guardian: User, relation: str, typed_signature: str) -> None:
    """Consent given again: a paused match waits for the coordinator to resume it; an
    application without a match goes back to review."""
    GuardianConsent.record(application, ConsentStatus.GIVEN, guardian, email=guardian.email, relation=relation,
                           typed_signature=typed_signature, method=ConsentMethod.GUARDIAN_ACCOUNT,
                           guardian=guardian)
    if paused_match(application) is None:
        application.move_to(ApplicationStatus.UNDER_REVIEW, guardian, "Guardian gave consent again")
    db.session.commit()


# ---------------------------------------------------------------- proposals and matches


def open_match(application: Application) -> Optional[Match]:
    return db.session.scalar(
        sa.select(Match)
        .where(Match.application_id == application.id, Match.status.in_(OPEN_MATCH_STATUSES))
        .options(so.selectinload(Match.proposal), so.selectinload(Match.mentor).selectinload(Mentor.user))
        .order_by(Match.approved_at.desc())
    )


def paused_match(application: Application) -> Optional[Match]:
    match = open_match(application)
    return match if match is not None and match.status is MatchStatus.PAUSED else None


def may_decide_for(application: Application, user: User) -> bool:
    """A guardian decides for their child; a young person only once they are 18."""
    if user.role is Role.GUARDIAN:
        return True
    return application.youth.age() is not None and not application.youth.is_minor()


def may_accept(application: Application, match: Optional[Match], user: User) -> bool:
    """The family may accept an approved mentor once, while the match is working."""
    return (match is not None and application.status is ApplicationStatus.PROPOSED
            and not match.family_accepted and match.status is MatchStatus.AWAITING_FIRST_MEETING
            and may_decide_for(application, user))


def accept_mentor(application: Application, match: Match, actor: User) -> None:
    """The family says yes to the mentor staff approved: from now on each side sees the other's
    contact details (as the program's contact policy allows), and the mentor is told."""
    match.accept(actor)
    db.session.commit()


def decline_mentor(application: Application, match: Match, actor: User, reason: str) -> None:
    """The family turns down an approved proposal: back to the waitlist, keeping their place;
    that mentor is not proposed for this child again."""
    if match.proposal is not None:
        match.proposal.move_to(ProposalStatus.DECLINED_BY_GUARDIAN, actor, reason)
    close_match(match, actor, reason=ClosureReason.FAMILY_DECLINED, notes={"guardian": reason}, rematch=True)
    db.session.commit()


def withdraw(application: Application, actor: User, reason: str) -> None:
    _withdraw(application, actor, reason)
    db.session.commit()


def _withdraw(application: Application, actor: User, reason: str) -> None:
    match = open_match(application)
    why = reason or "Withdrawn by the family"
    if match is not None:
        close_match(match, actor, reason=ClosureReason.FAMILY_WITHDREW,
                    notes={"family": reason or "withdrew the application"}, rematch=False,
                    application_status=ApplicationStatus.WITHDRAWN)
    if application.can_move_to(ApplicationStatus.WITHDRAWN):
        application.move_to(ApplicationStatus.WITHDRAWN, actor, why)


# ---------------------------------------------------------------- waitlist


def waitlist_place(application: Application) -> dict:
    """Position among those waiting in the program, and an estimate only when the data supports one."""
    ahead = db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.program_id == application.program_id,
            Application.status == ApplicationStatus.WAITLISTED,
            Application.waiting_since < application.waiting_since,
        )
    ) or 0
    waiting = db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.program_id == application.program_id,
            Application.status == ApplicationStatus.WAITLISTED,
        )
    ) or 0
    since = utcnow() - timedelta(days=ESTIMATE_WINDOW_DAYS)
    recent = db.session.scalar(
        sa.select(sa.func.count(Match.id)).join(Application).where(
            Application.program_id == application.program_id, Match.approved_at >= since
        )
    ) or 0
    position = ahead + 1
    weeks = None
    if recent >= 2:
        weeks = math.ceil(position / (recent / ESTIMATE_WINDOW_DAYS) / 7)
    return {"position": position, "waiting": waiting, "recent_matches": recent, "weeks": weeks,
            "days": application.days_waiting()}


# ---------------------------------------------------------------- data rights


def family_youth(user: User) -> list[Youth]:
    if user.role is Role.GUARDIAN:
        return [y for y in user.children if y.anonymised_at is None]
    return [user.own_youth] if user.own_youth is not None and user.own_youth.anonymised_at is None else []


def export_family(user: User) -> dict:
    """Everything we hold about this family, as plain data."""
    youth = family_youth(user)
    return {
        "exported_at": utcnow().isoformat(),
        "account": {
            "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
            "phone": user.phone, "role": user.role.value, "language": user.locale,
            "created_at": user.created_at.isoformat(),
        },
        "young_people": [_youth_data(y) for y in youth],
    }


def _youth_data(youth: Youth) -> dict:
    fields = ("first_name", "last_name", "grade_completed", "school", "zip_code", "gender", "languages",
              "interests", "goals", "availability", "mentor_gender_preference", "required_language",
              "max_travel_miles", "guardian_email")
    data = {name: getattr(youth, name) for name in fields}
    data["date_of_birth"] = youth.date_of_birth.isoformat() if youth.date_of_birth else None
    data["applications"] = [
        {
            "program": a.program.name, "status": a.status.value,
            "created_at": a.created_at.isoformat(),
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None,
            "waiting_since": a.waiting_since.isoformat() if a.waiting_since else None,
            "decision_reason": a.decision_reason,
            "consents": [
                {"guardian_email": c.guardian_email, "relation": c.relation,
                 "typed_signature": c.typed_signature,
                 "consented_at": c.consented_at.isoformat() if c.consented_at else None,
                 "declined_at": c.declined_at.isoformat() if c.declined_at else None,
                 "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None}
                for c in a.consents
            ],
        }
        for a in youth.applications
    ]
    return data


def erase_family(user: User) -> None:
    """Withdraw what is open, anonymise the young people, close the account; audit events stay."""
    for youth in family_youth(user):
        for application in youth.applications:
            if application.status.is_open:
                _withdraw(application, user, "Family deleted its data")
            for consent in application.consents:
                consent.typed_signature = "Deleted"
                consent.guardian_email = ""
                consent.withdrawal_reason = None
        _anonymise(youth)
        record_audit(user, "youth.anonymised", youth)
    user.is_active_account = False
    user.first_name = user.last_name = "Deleted"
    user.phone = None
    # A placeholder address frees the real one, so the family can register again one day.
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.session_version += 1
    record_audit(user, "account.deleted", user)
    db.session.commit()


def _anonymise(youth: Youth) -> None:
    youth.first_name = youth.last_name = "Deleted"
    youth.date_of_birth = None
    youth.grade_completed = None
    youth.school = youth.zip_code = youth.gender = youth.goals = ""
    youth.languages, youth.interests, youth.availability = [], [], []
    youth.mentor_gender_preference = youth.required_language = None
    youth.max_travel_miles = None
    youth.guardian_email = None
    youth.anonymised_at = utcnow()

