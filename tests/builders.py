"""Keyword builders for test data: make_youth(age=15, **overrides) and friends."""
from __future__ import annotations

import itertools
from functools import lru_cache
from datetime import date, timedelta

from werkzeug.security import generate_password_hash

from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    Clearance,
    ClearanceKind,
    ClearanceStatus,
    GuardianConsent,
    MatchFormat,
    Mentor,
    MentorStatus,
    Program,
    ProgramKind,
    Role,
    User,
    Youth,
    utcnow,
)

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def born_years_ago(years: int, days: int = 30) -> date:
    today = date.today()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - timedelta(days=days)


@lru_cache(maxsize=8)
def _hash_of(password: str) -> str:
    """A real scrypt hash, checked at login exactly as the app's own, at a 32nd of the app's work factor.

    scrypt is slow on purpose: at the app's cost (N=32768) each of the suite's thousands of logins
    spends 0.1 to 1 s in it. Accounts the app creates itself (registration, password changes, the
    demo data) keep the app's cost.
    """
    return generate_password_hash(password, method="scrypt:1024:8:1")


def make_user(role: Role = Role.GUARDIAN, confirmed: bool = True, **overrides) -> User:
    """An account whose e-mail address is confirmed, unless `confirmed=False`."""
    n = next(_seq)
    fields = {"email": f"{role.value}{n}@example.org", "first_name": f"Test{n}", "last_name": "Person",
              "role": role, "email_confirmed_at": utcnow() if confirmed else None}
    fields.update(overrides)
    password = fields.pop("password", PASSWORD)
    user = User(**fields)
    user.password_hash = _hash_of(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_program(**overrides) -> Program:
    n = next(_seq)
    fields = dict(name=f"Explorer Post {n}", slug=f"post-{n}", kind=ProgramKind.EXPLORING,
                  min_age=14, max_age=20, min_grade_completed=8, grade_rule_until_age=15,
                  match_format=MatchFormat.ONE_TO_ONE, default_capacity=2)
    fields.update(overrides)
    program = Program(**fields)
    db.session.add(program)
    db.session.commit()
    return program


def make_youth(age: int = 15, guardian: User | None = None, **overrides) -> Youth:
    n = next(_seq)
    fields = dict(first_name=f"Youth{n}", last_name="Example", date_of_birth=born_years_ago(age),
                  grade_completed=max(0, age - 6), zip_code="95823", gender="female",
                  languages=["English"], interests=["robotics"], availability=["tue-evening"],
                  guardian=guardian)
    fields.update(overrides)
    youth = Youth(**fields)
    db.session.add(youth)
    db.session.commit()
    return youth


def make_application(youth: Youth, program: Program,
                     status: ApplicationStatus = ApplicationStatus.WAITLISTED, consent: bool = True,
                     **overrides) -> Application:
    fields = dict(youth=youth, program=program, status=status, draft_step=5)
    if status is ApplicationStatus.WAITLISTED:
        fields["waiting_since"] = utcnow() - timedelta(days=10)
    fields.update(overrides)
    application = Application(**fields)
    db.session.add(application)
    if consent and youth.age() is not None and youth.age() < 18:
        db.session.add(GuardianConsent(application=application, guardian_user=youth.guardian,
                                       guardian_email=youth.guardian.email if youth.guardian else "g@example.org",
                                       relation="Mother", typed_signature="Pat Example",
                                       consented_at=utcnow()))
    db.session.commit()
    return application


def make_mentor(cleared: bool = True, programs: list[Program] | None = None, user: User | None = None,
                verified_by: User | None = None, **overrides) -> Mentor:
    user = user or make_user(Role.MENTOR)
    fields = dict(user=user, agency="Sacramento Police Department", capacity=2, gender="male",
                  zip_code="95823", languages=["English"], interests=["robotics"],
                  availability=["tue-evening"],
                  status=MentorStatus.APPROVED if cleared else MentorStatus.APPLIED)
    fields.update(overrides)
    mentor = Mentor(**fields)
    mentor.programs = programs or []
    db.session.add(mentor)
    if cleared:
        today = date.today()
        for kind in ClearanceKind:
            db.session.add(Clearance(
                mentor=mentor, kind=kind, completed_on=today - timedelta(days=100),
                expires_on=None if kind is ClearanceKind.INTERVIEW else today + timedelta(days=265),
                verified_by=verified_by, verified_at=utcnow(), status=ClearanceStatus.VERIFIED,
            ))
    db.session.commit()
    return mentor


def make_match(application=None, mentor=None, *, approved_by: User | None = None, approved_on: date | None = None,
               held_on: date | None = None, closed_on: date | None = None, **overrides):
    """A Match as a coordinator's approval leaves it (awaiting the first meeting); `held_on` makes it
    active with its first meeting held and the commitment signed, `closed_on` closes it."""
    from datetime import datetime, time, timezone

    from mentormatch.models import Match, MatchStatus

    def noon(day: date) -> datetime:
        return datetime.combine(day, time(12, 0), tzinfo=timezone.utc)

    if application is None:
        program = make_program()
        application = make_application(make_youth(), program, status=ApplicationStatus.PROPOSED,
                                       waiting_since=utcnow() - timedelta(days=40))
    if mentor is None:
        mentor = make_mentor(programs=[application.program])
    fields = dict(application=application, mentor=mentor, approved_by=approved_by,
                  status=MatchStatus.AWAITING_FIRST_MEETING)
    if approved_on is not None:
        fields["approved_at"] = noon(approved_on)
    if held_on is not None:
        fields.update(status=MatchStatus.ACTIVE, first_meeting_at=noon(held_on), first_meeting_place="Station",
                      first_meeting_held_at=noon(held_on), commitment_signed_on=held_on,
                      commitment_signatures={"mentor": "M", "youth": "Y", "staff": "S"})
    if closed_on is not None:
        fields.update(status=MatchStatus.CLOSED, closed_at=noon(closed_on))
    fields.update(overrides)
    match = Match(**fields)
    db.session.add(match)
    db.session.commit()
    return match


def make_check_in(match, occurred_on: date, mentor_meeting: bool = False, **overrides):
    from mentormatch.models import CheckIn, CheckInParty, ContactMethod

    fields = dict(match=match, occurred_on=occurred_on, is_mentor_meeting=mentor_meeting,
                  party=CheckInParty.MENTOR, method=ContactMethod.PHONE)
    fields.update(overrides)
    check_in = CheckIn(**fields)
    db.session.add(check_in)
    db.session.commit()
    return check_in


def make_proposal(application, mentor, run=None, score: float = 0.6, alternatives=None, **overrides):
    """A pending MatchProposal as a matching run stores it, with one plain-words reason."""
    from mentormatch.models import MatchingRun, MatchProposal, RunStatus

    if run is None:
        run = MatchingRun(program=application.program, status=RunStatus.DONE, proposal_count=1)
        db.session.add(run)
    fields = dict(run=run, application=application, mentor=mentor, score=score,
                  reasons=[{"factor": "interests", "label": "Shared interests", "contribution": score,
                            "text": "Both into robotics"}],
                  alternatives=alternatives or [])
    fields.update(overrides)
    proposal = MatchProposal(**fields)
    db.session.add(proposal)
    db.session.commit()
    return proposal


def make_unmatched(run, application, reason: str = "No mentor who speaks Hmong", rule: str = "language"):
    from mentormatch.models import UnmatchedYouth

    unmatched = UnmatchedYouth(run=run, application=application, reason=reason, rule=rule,
                               details={"feasible_mentors": 0, "excluded_by": {rule: 1}})
    db.session.add(unmatched)
    db.session.commit()
    return unmatched
