"""The domain model: accounts, programs, youth and their applications, mentors and clearances,
matching runs and proposals, matches with their check-ins, and the audit trail."""
from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
import secrets
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from mentormatch.eventbus import has_subscribers
from mentormatch.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as UTC and always handed back timezone-aware.

    SQLite keeps no zone, so without this a value read back would be naive and
    could not be compared with ``utcnow()``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use timezone-aware UTC")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    # Store the readable value, checked by a named constraint on every database.
    return sa.Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def age_on(born: date, on: date) -> int:
    """Whole years of age on a given day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


ADULT_AGE = 18


def in_english(label: Any) -> str:
    """A label as the audit trail keeps it: in English, whatever language the page was read in.

    Labels are translated when shown (`lazy_gettext`); what is stored must not depend on the
    language of whoever made the change.
    """
    with force_locale("en"):
        return str(label)


# ---------------------------------------------------------------- state machines
#
# Every status in the service changes in exactly one place: the model's `move_to`, which checks
# the model's transition table, writes the audit event and records a domain event, all in the
# caller's transaction. What follows a change (e-mail, pausing matches, never proposing a
# declined pair again) subscribes to the domain event in `mentormatch.events` and runs after
# commit, on the job queue.
#
# The commit convention, for the whole service:
# - a domain method here (`move_to`, `GuardianConsent.record`, `DoNotMatch.lift`,
#   `record_audit`) never commits: it adds to the caller's transaction;
# - a service function, what a route calls (family.journey, coordinator.decisions and .review,
#   lifecycle.actions, mentors.clearances, matching_service, mail), is one unit of work: it
#   checks, changes and commits once, or refuses with an exception before changing anything;
# - a route writes nothing itself; it commits only the audited read (`record_read`) of the
#   record it shows;
# - a consequence of an event runs in a transaction of its own, committed by `events.handle`
#   together with its receipt.


class TransitionError(ValueError):
    """A status change that the rules do not allow; nothing was changed."""


class StatusMachine:
    """Mixin for a model whose `status` follows a transition table.

    A subclass sets `TRANSITIONS` (each status -> the statuses that may follow it) and
    `EVENT_PREFIX` (the audited object's name: "match", "mentor", ...), and may override
    `_entered(status, actor, reason, now)` to keep the columns that go with a status.
    """

    TRANSITIONS: dict = {}
    EVENT_PREFIX = ""

    def can_move_to(self, status) -> bool:
        return status in self.TRANSITIONS[self.status]

    def move_to(self, status, actor: Optional["User"], reason: str = "", at: Optional[datetime] = None,
                **details: Any) -> None:
        """Change status if the table allows it; audit it and record the domain event. `at` is
        when the change happened, now by default (a change made with others gives them one time)."""
        if not self.can_move_to(status):
            raise TransitionError(
                f"A {self.EVENT_PREFIX.replace('_', ' ')} that is {self.status.label.lower()} cannot "
                f"become {status.label.lower()}."
            )
        before = self.status
        now = at or utcnow()
        self.status = status
        self._entered(status, actor, reason, now)
        if getattr(self, "id", None) is None:
            db.session.add(self)
            db.session.flush()
        record_audit(actor, f"{self.EVENT_PREFIX}.{status.value}", self.audit_subject(),
                     before={"status": before.value},
                     after={"status": status.value, "reason": reason or None},
                     **self.audit_details(), **details)

    def _entered(self, status, actor: Optional["User"], reason: str, now: datetime) -> None:
        """Keep the columns that go with the new status; nothing by default."""

    def audit_subject(self) -> Any:
        """The record whose audit trail tells of this change: the object itself by default."""
        return self

    def audit_details(self) -> dict[str, Any]:
        return {}


# ---------------------------------------------------------------- accounts


class Role(str, enum.Enum):
    GUARDIAN = "guardian"
    YOUTH = "youth"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    # A liaison of a partner organization: refers families, co-hosts events; made by an admin.
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return {
            "guardian": _l("Parent / guardian"),
            "youth": _l("Young person"),
            "mentor": _l("Mentor"),
            "coordinator": _l("Coordinator"),
            "admin": _l("Administrator"),
            "partner": _l("Partner liaison"),
        }[self.value]


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True, index=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[Role] = so.mapped_column(_enum(Role, "user_role"), index=True)
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    last_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    phone: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    is_active_account: so.Mapped[bool] = so.mapped_column(default=True)
    # Bumped on password change so every other session is logged out.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_login_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    # Set when the owner proved the address is theirs (a confirmation or reset link); staff start confirmed.
    email_confirmed_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    mentor: so.Mapped[Optional["Mentor"]] = so.relationship(
        back_populates="user", foreign_keys="Mentor.user_id"
    )
    children: so.Mapped[list["Youth"]] = so.relationship(
        back_populates="guardian", foreign_keys="Youth.guardian_id"
    )
    own_youth: so.Mapped[Optional["Youth"]] = so.relationship(
        back_populates="user", foreign_keys="Youth.user_id"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_active(self) -> bool:  # flask-login asks this
        return self.is_active_account

    # The raw id of the login session this object was loaded under (mentormatch.sessions); never stored.
    login_session_token = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}:{self.login_session_token or ''}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role | str) -> bool:
        return self.role.value in {Role(r).value for r in roles}


class TokenPurpose(str, enum.Enum):
    PASSWORD_RESET = "password_reset"
    GUARDIAN_CONSENT = "guardian_consent"
    EMAIL_CONFIRMATION = "email_confirmation"


class AccessToken(db.Model):
    """A single-use, expiring secret sent by e-mail; only its hash is stored."""

    __tablename__ = "access_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    purpose: so.Mapped[TokenPurpose] = so.mapped_column(_enum(TokenPurpose, "token_purpose"))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    application_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    used_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    user: so.Mapped[Optional[User]] = so.relationship()
    application: so.Mapped[Optional["Application"]] = so.relationship()

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, purpose: TokenPurpose, email: str, lifetime: timedelta, **links) -> tuple["AccessToken", str]:
        """Create a token; return it with the raw secret, which is never stored."""
        raw = secrets.token_urlsafe(32)
        token = cls(
            purpose=purpose,
            token_hash=cls.hash(raw),
            email=email,
            expires_at=utcnow() + lifetime,
            **links,
        )
        db.session.add(token)
        return token, raw

    @classmethod
    def find_usable(cls, purpose: TokenPurpose, raw: str) -> Optional["AccessToken"]:
        token = db.session.scalar(
            sa.select(cls).where(cls.token_hash == cls.hash(raw), cls.purpose == purpose)
        )
        if token is None or token.used_at is not None or token.expires_at <= utcnow():
            return None
        return token


# ---------------------------------------------------------------- programs


class ProgramKind(str, enum.Enum):
    EXPLORING = "exploring"
    LEADERSHIP = "leadership"
    CADET = "cadet"

    @property
    def label(self) -> str:
        return {
            "exploring": _l("Law Enforcement Exploring"),
            "leadership": _l("Youth leadership"),
            "cadet": _l("Cadet program"),
        }[self.value]


class ContactPolicy(str, enum.Enum):
    """What a family is shown of their mentor's contact details, once they accepted the match.

    Youth-protection practice (Exploring, BBBS): contact goes through the mentor's work or program
    channels, where it can be seen, rather than a personal phone, unless the program decides otherwise.
    """

    WORK = "work"
    WORK_AND_PHONE = "work_and_phone"

    @property
    def label(self) -> str:
        return {
            "work": _l("The mentor's work or program e-mail and phone only"),
            "work_and_phone": _l("The mentor's work or program contact, and their own phone"),
        }[self.value]


class MatchFormat(str, enum.Enum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"

    @property
    def label(self) -> str:
        return {"one_to_one": _l("One-to-one"), "group": _l("Group / site-based")}[self.value]


mentor_programs = sa.Table(
    "mentor_programs",
    db.metadata,
    sa.Column("mentor_id", sa.ForeignKey("mentors.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
)


class Program(db.Model):
    __tablename__ = "programs"
    __table_args__ = (
        sa.CheckConstraint("min_age >= 0 AND max_age >= min_age", name="ages"),
        sa.CheckConstraint("default_capacity >= 0", name="capacity"),
        sa.CheckConstraint("checkins_first_month >= 0", name="checkins_first_month"),
        sa.CheckConstraint("checkin_interval_days > 0", name="checkin_interval"),
        sa.CheckConstraint("retention_years >= 1", name="retention"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    kind: so.Mapped[ProgramKind] = so.mapped_column(_enum(ProgramKind, "program_kind"))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    parent_information: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # The same two texts in Spanish; empty until an administrator writes them (English is shown meanwhile).
    description_es: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    parent_information_es: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    contact_policy: so.Mapped[ContactPolicy] = so.mapped_column(
        _enum(ContactPolicy, "contact_policy"), default=ContactPolicy.WORK, server_default=ContactPolicy.WORK.value
    )
    # Age rules: eligible from min_age up to and including max_age. Below
    # grade_rule_until_age an applicant must also have completed min_grade_completed
    # (Explorers: 14 with 8th grade done, or 15, up to the 21st birthday).
    min_age: so.Mapped[int]
    max_age: so.Mapped[int]
    min_grade_completed: so.Mapped[Optional[int]]
    grade_rule_until_age: so.Mapped[Optional[int]]
    match_format: so.Mapped[MatchFormat] = so.mapped_column(
        _enum(MatchFormat, "match_format"), default=MatchFormat.ONE_TO_ONE
    )
    default_capacity: so.Mapped[int] = so.mapped_column(default=2)
    checkins_first_month: so.Mapped[int] = so.mapped_column(default=2)
    checkin_interval_days: so.Mapped[int] = so.mapped_column(default=30)
    # Years a young person's records are kept after their last application or match ended.
    retention_years: so.Mapped[int] = so.mapped_column(default=7, server_default="7")
    # Factor weights and hard-rule settings for matching; None means the engine's defaults.
    match_settings: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    applications: so.Mapped[list["Application"]] = so.relationship(back_populates="program")
    mentors: so.Mapped[list["Mentor"]] = so.relationship(
        secondary=mentor_programs, back_populates="programs"
    )

    def __repr__(self) -> str:
        return f"<Program {self.slug}>"

    def description_in(self, language: Any) -> str:
        """The description in the reader's language ("es" or a Babel locale), else in English."""
        return (self.description_es if str(language).startswith("es") else "") or self.description

    def parent_information_in(self, language: Any) -> str:
        """What the program tells parents, in the reader's language, else in English."""
        return (self.parent_information_es if str(language).startswith("es") else "") or self.parent_information

    def eligibility_problem(self, born: date, grade_completed: Optional[int], on: date) -> Optional[str]:
        """Why someone born on `born` cannot join on `on`, or None when they can."""
        age = age_on(born, on)
        if age < self.min_age:
            return f"{self.name} starts at age {self.min_age}; the applicant is {age}."
        if age > self.max_age:
            return f"{self.name} is for ages up to {self.max_age}; the applicant is {age}."
        needs_grade = self.min_grade_completed is not None and (
            self.grade_rule_until_age is None or age < self.grade_rule_until_age
        )
        if needs_grade and (grade_completed is None or grade_completed < self.min_grade_completed):
            if self.grade_rule_until_age is not None:
                return (
                    f"At age {age}, {self.name} needs grade {self.min_grade_completed} completed "
                    f"(or age {self.grade_rule_until_age})."
                )
            return f"{self.name} needs grade {self.min_grade_completed} completed."
        return None

    @property
    def rule_summary(self) -> str:
        text = f"Ages {self.min_age}–{self.max_age}"
        if self.min_grade_completed is not None:
            if self.grade_rule_until_age is not None:
                text += (
                    f"; at {self.min_age}, grade {self.min_grade_completed} completed "
                    f"(no grade rule from {self.grade_rule_until_age})"
                )
            else:
                text += f"; grade {self.min_grade_completed} completed"
        return text


# ---------------------------------------------------------------- youth and applications


class Youth(db.Model):
    __tablename__ = "youth"
    __table_args__ = (
        sa.CheckConstraint(
            "max_travel_miles IS NULL OR max_travel_miles >= 0", name="travel"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    guardian_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    user_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), unique=True, index=True
    )
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    last_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    date_of_birth: so.Mapped[Optional[date]]
    grade_completed: so.Mapped[Optional[int]]
    school: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    zip_code: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    gender: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    interests: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    goals: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    availability: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    mentor_gender_preference: so.Mapped[Optional[str]] = so.mapped_column(sa.String(20))
    required_language: so.Mapped[Optional[str]] = so.mapped_column(sa.String(40))
    max_travel_miles: so.Mapped[Optional[float]]
    # Set when a young person under 18 starts alone and names a guardian to ask.
    guardian_email: so.Mapped[Optional[str]] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    anonymised_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    guardian: so.Mapped[Optional[User]] = so.relationship(
        back_populates="children", foreign_keys=[guardian_id]
    )
    user: so.Mapped[Optional[User]] = so.relationship(
        back_populates="own_youth", foreign_keys=[user_id]
    )
    applications: so.Mapped[list["Application"]] = so.relationship(back_populates="youth")

    def __repr__(self) -> str:
        return f"<Youth {self.id}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        """First name and last initial: what a mentor is shown."""
        return f"{self.first_name} {self.last_name[:1]}." if self.last_name else self.first_name

    def age(self, on: Optional[date] = None) -> Optional[int]:
        if self.date_of_birth is None:
            return None
        return age_on(self.date_of_birth, on or date.today())

    def is_family_of(self, user: User) -> bool:
        return user.id in {self.guardian_id, self.user_id}

    def is_minor(self, on: Optional[date] = None) -> bool:
        """Under 18 on the day: a guardian consents and decides for them. Unknown age is not
        assumed either way; the application asks for the date of birth before anything is sent."""
        age = self.age(on)
        return age is not None and age < ADULT_AGE


class ApplicationStatus(str, enum.Enum):
    DRAFT = "draft"
    AWAITING_CONSENT = "awaiting_consent"
    UNDER_REVIEW = "under_review"
    INFO_REQUESTED = "info_requested"
    INELIGIBLE = "ineligible"
    WAITLISTED = "waitlisted"
    PROPOSED = "proposed"
    MATCHED = "matched"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "draft": _l("Draft"),
            "awaiting_consent": _l("Needs guardian consent"),
            "under_review": _l("Under review"),
            "info_requested": _l("More information requested"),
            "ineligible": _l("Not eligible"),
            "waitlisted": _l("Waiting for a mentor"),
            "proposed": _l("Mentor proposed"),
            "matched": _l("Matched"),
            "paused": _l("Paused (consent withdrawn)"),
            "withdrawn": _l("Withdrawn"),
            "closed": _l("Closed"),
        }[self.value]

    @property
    def is_open(self) -> bool:
        return self not in ENDED_APPLICATION_STATUSES


ENDED_APPLICATION_STATUSES = frozenset(
    {ApplicationStatus.INELIGIBLE, ApplicationStatus.WITHDRAWN, ApplicationStatus.CLOSED}
)

_S = ApplicationStatus
# The one place that says which status may follow which.
APPLICATION_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    _S.DRAFT: frozenset({_S.AWAITING_CONSENT, _S.UNDER_REVIEW, _S.INELIGIBLE, _S.WITHDRAWN}),
    _S.AWAITING_CONSENT: frozenset({_S.UNDER_REVIEW, _S.WITHDRAWN, _S.DRAFT}),
    _S.UNDER_REVIEW: frozenset(
        {_S.WAITLISTED, _S.INELIGIBLE, _S.INFO_REQUESTED, _S.PAUSED, _S.WITHDRAWN}
    ),
    _S.INFO_REQUESTED: frozenset({_S.UNDER_REVIEW, _S.PAUSED, _S.WITHDRAWN}),
    _S.WAITLISTED: frozenset({_S.PROPOSED, _S.PAUSED, _S.WITHDRAWN, _S.INELIGIBLE}),
    _S.PROPOSED: frozenset({_S.MATCHED, _S.WAITLISTED, _S.PAUSED, _S.WITHDRAWN, _S.CLOSED}),
    _S.MATCHED: frozenset({_S.CLOSED, _S.WAITLISTED, _S.PAUSED, _S.WITHDRAWN}),
    # Paused while consent is withdrawn: reviewed again, or back where its match stands once it resumes.
    _S.PAUSED: frozenset({_S.UNDER_REVIEW, _S.WAITLISTED, _S.PROPOSED, _S.MATCHED, _S.WITHDRAWN, _S.CLOSED}),
    _S.INELIGIBLE: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.CLOSED: frozenset(),
}


class Application(StatusMachine, db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        # One open application per youth and program; ended ones are history.
        sa.Index(
            "uq_open_application",
            "youth_id",
            "program_id",
            unique=True,
            sqlite_where=sa.text("status NOT IN ('ineligible', 'withdrawn', 'closed')"),
            postgresql_where=sa.text("status NOT IN ('ineligible', 'withdrawn', 'closed')"),
        ),
        # The waitlist reads a program's waiting applications in order of their wait.
        sa.Index("ix_applications_queue", "program_id", "status", "waiting_since", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    youth_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("youth.id", ondelete="CASCADE"), index=True
    )
    program_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programs.id"), index=True)
    status: so.Mapped[ApplicationStatus] = so.mapped_column(
        _enum(ApplicationStatus, "application_status"), default=ApplicationStatus.DRAFT, index=True
    )
    draft_step: so.Mapped[int] = so.mapped_column(default=1)
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    submitted_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    status_changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The day the youth joined the waitlist; kept on rematch so nobody loses their place.
    waiting_since: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime, index=True)
    decided_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decided_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    decision_reason: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    # The partner's referral the family applied from, if any: its stages and the report by source follow.
    referral_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("referrals.id", ondelete="SET NULL"), index=True
    )

    youth: so.Mapped[Youth] = so.relationship(back_populates="applications")
    program: so.Mapped[Program] = so.relationship(back_populates="applications")
    created_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[created_by_id])
    decided_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[decided_by_id])
    consents: so.Mapped[list["GuardianConsent"]] = so.relationship(
        back_populates="application", order_by="GuardianConsent.id"
    )

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.status.value}>"

    TRANSITIONS = APPLICATION_TRANSITIONS
    EVENT_PREFIX = "application"

    def _entered(self, status: ApplicationStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        self.status_changed_at = now
        if status is ApplicationStatus.UNDER_REVIEW and self.submitted_at is None:
            self.submitted_at = now
        if status is ApplicationStatus.WAITLISTED and self.waiting_since is None:
            self.waiting_since = now
        if status in {ApplicationStatus.WAITLISTED, ApplicationStatus.INELIGIBLE,
                      ApplicationStatus.INFO_REQUESTED}:
            self.decided_by = actor
            self.decided_at = now
            self.decision_reason = reason or None

    @property
    def active_consent(self) -> Optional["GuardianConsent"]:
        """The guardian's consent that stands now (given, or given and still to be confirmed)."""
        for consent in reversed(self.consents):
            if consent.status in ACTIVE_CONSENT_STATUSES:
                return consent
        return None

    def needs_consent(self, on: Optional[date] = None) -> bool:
        return self.youth.is_minor(on)

    @property
    def consent_on_file(self) -> bool:
        """May this application go forward: the applicant is an adult, or a guardian's consent
        stands and, where the guardian's address came from the youth, staff have confirmed it."""
        if not self.needs_consent():
            return True
        consent = self.active_consent
        return consent is not None and consent.status is ConsentStatus.GIVEN

    @property
    def is_matchable(self) -> bool:
        """On the waitlist with consent on file: what a matching run and an approval require."""
        return self.status is ApplicationStatus.WAITLISTED and self.consent_on_file

    def days_waiting(self, now: Optional[datetime] = None) -> int:
        if self.waiting_since is None:
            return 0
        return max(0, ((now or utcnow()) - self.waiting_since).days)


class ConsentStatus(str, enum.Enum):
    # Given through an address the youth supplied: staff confirm it (a phone call, in person)
    # before the child can be matched, since a minor could consent through an inbox of their own.
    TO_CONFIRM = "to_confirm"
    GIVEN = "given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "to_confirm": _l("Given; staff to confirm the guardian"),
            "given": _l("Given"),
            "declined": _l("Declined"),
            "withdrawn": _l("Withdrawn"),
        }[self.value]


ACTIVE_CONSENT_STATUSES = frozenset({ConsentStatus.TO_CONFIRM, ConsentStatus.GIVEN})


class ConsentMethod(str, enum.Enum):
    """How the guardian gave consent."""

    GUARDIAN_ACCOUNT = "guardian_account"
    EMAILED_LINK = "emailed_link"

    @property
    def label(self) -> str:
        return {
            "guardian_account": _l("Signed in to the guardian's own account"),
            "emailed_link": _l("Through the link e-mailed to the guardian"),
        }[self.value]


_C = ConsentStatus
CONSENT_TRANSITIONS: dict[ConsentStatus, frozenset[ConsentStatus]] = {
    _C.TO_CONFIRM: frozenset({_C.GIVEN, _C.WITHDRAWN}),
    _C.GIVEN: frozenset({_C.WITHDRAWN}),
    _C.DECLINED: frozenset(),
    _C.WITHDRAWN: frozenset(),
}
# A new consent record starts in one of these.
CONSENT_FIRST_STATUSES = frozenset({_C.TO_CONFIRM, _C.GIVEN, _C.DECLINED})


class GuardianConsent(StatusMachine, db.Model):
    """Informed consent for a minor's application: who gave it, as what, how and when."""

    __tablename__ = "guardian_consents"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    application_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    guardian_user_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    guardian_email: so.Mapped[str] = so.mapped_column(sa.String(254))
    relation: so.Mapped[str] = so.mapped_column(sa.String(40))
    typed_signature: so.Mapped[str] = so.mapped_column(sa.String(160))
    status: so.Mapped[ConsentStatus] = so.mapped_column(
        _enum(ConsentStatus, "consent_status"), default=ConsentStatus.GIVEN
    )
    method: so.Mapped[ConsentMethod] = so.mapped_column(
        _enum(ConsentMethod, "consent_method"), default=ConsentMethod.GUARDIAN_ACCOUNT
    )
    # True when the address the consent came through was first typed in by the youth.
    address_from_youth: so.Mapped[bool] = so.mapped_column(default=False)
    consented_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    declined_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    withdrawn_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    withdrawal_reason: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    confirmed_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    confirmed_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    confirmation_note: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    application: so.Mapped[Application] = so.relationship(back_populates="consents")
    guardian_user: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[guardian_user_id])
    confirmed_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[confirmed_by_id])

    TRANSITIONS = CONSENT_TRANSITIONS
    EVENT_PREFIX = "consent"

    @classmethod
    def record(cls, application: Application, status: ConsentStatus, actor: Optional[User], *,
               email: str, relation: str, typed_signature: str, method: ConsentMethod,
               guardian: Optional[User] = None, address_from_youth: bool = False) -> "GuardianConsent":
        """A guardian's answer, given or declined: the one way a consent record begins."""
        if status not in CONSENT_FIRST_STATUSES:
            raise TransitionError(f"A consent cannot begin as {status.label.lower()}.")
        now = utcnow()
        consent = cls(application=application, guardian_user=guardian, guardian_email=email,
                      relation=relation or "", typed_signature=(typed_signature or "").strip(),
                      status=status, method=method, address_from_youth=address_from_youth,
                      consented_at=now if status is not ConsentStatus.DECLINED else None,
                      declined_at=now if status is ConsentStatus.DECLINED else None)
        db.session.add(consent)
        db.session.flush()
        record_audit(actor, f"consent.{status.value}", application, consent_id=consent.id,
                     relation=relation, email=email, method=method.value)
        return consent

    def audit_subject(self) -> Application:
        # A consent's story is part of its application's, where coordinators read it.
        return self.application

    def audit_details(self) -> dict[str, Any]:
        return {"consent_id": self.id}

    @property
    def needs_confirmation(self) -> bool:
        return self.status is ConsentStatus.TO_CONFIRM

    def _entered(self, status: ConsentStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        if status is ConsentStatus.WITHDRAWN:
            self.withdrawn_at = now
            self.withdrawal_reason = reason or None
        elif status is ConsentStatus.GIVEN:
            self.confirmed_at = now
            self.confirmed_by = actor
            self.confirmation_note = reason or None


# ---------------------------------------------------------------- mentors and clearances


class MentorStatus(str, enum.Enum):
    APPLIED = "applied"
    APPROVED = "approved"
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        return {"applied": _l("Awaiting approval"), "approved": _l("Approved"), "suspended": _l("Suspended")}[
            self.value
        ]


_M = MentorStatus
MENTOR_TRANSITIONS: dict[MentorStatus, frozenset[MentorStatus]] = {
    _M.APPLIED: frozenset({_M.APPROVED, _M.SUSPENDED}),
    _M.APPROVED: frozenset({_M.SUSPENDED}),
    _M.SUSPENDED: frozenset({_M.APPROVED}),
}


class ClearanceKind(str, enum.Enum):
    BACKGROUND_CHECK = "background_check"
    YOUTH_PROTECTION = "youth_protection"
    MANDATED_REPORTER = "mandated_reporter"
    INTERVIEW = "interview"

    @property
    def label(self) -> str:
        return {
            "background_check": _l("Background check (Live Scan)"),
            "youth_protection": _l("Youth-protection training"),
            "mandated_reporter": _l("Mandated-reporter training (AB 506)"),
            "interview": _l("Interview"),
        }[self.value]


REQUIRED_CLEARANCES = tuple(ClearanceKind)


class Mentor(StatusMachine, db.Model):
    __tablename__ = "mentors"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity"),
        sa.CheckConstraint("years_of_service >= 0", name="years"),
        sa.CheckConstraint("youth_experience_years >= 0", name="youth_years"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    agency: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    unit: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    badge_number: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    years_of_service: so.Mapped[int] = so.mapped_column(default=0)
    youth_experience_years: so.Mapped[float] = so.mapped_column(default=0.0)
    date_of_birth: so.Mapped[Optional[date]]
    bio: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    interests: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    languages: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    gender: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    zip_code: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    availability: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    capacity: so.Mapped[int] = so.mapped_column(default=1)
    # The mentor's work or program contact, which families see (the account's own address and
    # phone are personal and stay private unless the program's contact policy shares the phone).
    work_email: so.Mapped[Optional[str]] = so.mapped_column(sa.String(254))
    work_phone: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    status: so.Mapped[MentorStatus] = so.mapped_column(
        _enum(MentorStatus, "mentor_status"), default=MentorStatus.APPLIED, index=True
    )
    approved_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    approved_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    user: so.Mapped[User] = so.relationship(back_populates="mentor", foreign_keys=[user_id])
    approved_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[approved_by_id])
    programs: so.Mapped[list[Program]] = so.relationship(
        secondary=mentor_programs, back_populates="mentors"
    )
    clearances: so.Mapped[list["Clearance"]] = so.relationship(
        back_populates="mentor", order_by="Clearance.completed_on"
    )
    matches: so.Mapped[list["Match"]] = so.relationship(back_populates="mentor")

    TRANSITIONS = MENTOR_TRANSITIONS
    EVENT_PREFIX = "mentor"

    def __repr__(self) -> str:
        return f"<Mentor {self.id}>"

    def _entered(self, status: MentorStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        if status is MentorStatus.APPROVED:
            self.approved_by = actor
            self.approved_at = now

    def current_clearance(self, kind: ClearanceKind) -> Optional["Clearance"]:
        """The latest verified record of a kind, whether or not it has expired."""
        verified = [c for c in self.clearances if c.kind is kind and c.verified_at is not None]
        return max(verified, key=lambda c: c.completed_on, default=None)

    def missing_clearances(self, on: Optional[date] = None) -> list["ClearanceProblem"]:
        """The required clearances that are not verified, passed and current on a given day."""
        on = on or date.today()
        problems = []
        for kind in REQUIRED_CLEARANCES:
            record = self.current_clearance(kind)
            if record is None:
                problems.append(ClearanceProblem(kind, "missing"))
            elif not record.passed:
                problems.append(ClearanceProblem(kind, "not_passed"))
            elif record.status is ClearanceStatus.LAPSED or (record.expires_on is not None and record.expires_on < on):
                problems.append(ClearanceProblem(kind, "expired", record.expires_on))
        return problems

    def clearance_problems(self, on: Optional[date] = None) -> list[str]:
        """What keeps this mentor out of matching on a given day, in words; empty when cleared."""
        problems = [] if self.status is MentorStatus.APPROVED else [f"Status: {self.status.label.lower()}."]
        return problems + [p.text for p in self.missing_clearances(on)]

    def can_be_matched(self, on: Optional[date] = None) -> bool:
        """Approved by a coordinator, with every required clearance verified, passed and current."""
        return self.status is MentorStatus.APPROVED and not self.missing_clearances(on)

    def is_cleared(self, on: Optional[date] = None) -> bool:
        return self.can_be_matched(on)

    @property
    def active_matches(self) -> list["Match"]:
        return [m for m in self.matches if m.status in OPEN_MATCH_STATUSES]


@dataclass(frozen=True)
class ClearanceProblem:
    """A required clearance a mentor lacks: which kind, and why (missing, not_passed, expired)."""

    kind: ClearanceKind
    code: str
    expired_on: Optional[date] = None

    @property
    def text(self) -> str:
        if self.code == "missing":
            return f"{self.kind.label}: no verified record."
        if self.code == "not_passed":
            return f"{self.kind.label}: not passed."
        return f"{self.kind.label}: expired {self.expired_on.isoformat()}."


class ClearanceStatus(str, enum.Enum):
    RECORDED = "recorded"
    VERIFIED = "verified"
    FAILED = "failed"
    LAPSED = "lapsed"

    @property
    def label(self) -> str:
        return {"recorded": _l("Waiting for verification"), "verified": _l("Verified"), "failed": _l("Not passed"),
                "lapsed": _l("Lapsed")}[self.value]


_K = ClearanceStatus
CLEARANCE_TRANSITIONS: dict[ClearanceStatus, frozenset[ClearanceStatus]] = {
    _K.RECORDED: frozenset({_K.VERIFIED, _K.FAILED}),
    # A verified record lapses on its expiry date (the daily job records it).
    _K.VERIFIED: frozenset({_K.LAPSED}),
    _K.FAILED: frozenset(),
    _K.LAPSED: frozenset(),
}


class Clearance(StatusMachine, db.Model):
    """One screening or training record with its dates; a coordinator verifies it."""

    __tablename__ = "clearances"
    __table_args__ = (
        sa.CheckConstraint(
            "expires_on IS NULL OR expires_on >= completed_on", name="dates"
        ),
        sa.CheckConstraint("hours IS NULL OR hours >= 0", name="hours"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    mentor_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("mentors.id", ondelete="CASCADE"), index=True
    )
    kind: so.Mapped[ClearanceKind] = so.mapped_column(_enum(ClearanceKind, "clearance_kind"))
    completed_on: so.Mapped[date]
    expires_on: so.Mapped[Optional[date]]
    passed: so.Mapped[bool] = so.mapped_column(default=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    hours: so.Mapped[Optional[float]]
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    verified_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    verified_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    status: so.Mapped[ClearanceStatus] = so.mapped_column(
        _enum(ClearanceStatus, "clearance_status"), default=ClearanceStatus.RECORDED, index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    mentor: so.Mapped[Mentor] = so.relationship(back_populates="clearances")
    verified_by: so.Mapped[Optional[User]] = so.relationship()

    TRANSITIONS = CLEARANCE_TRANSITIONS
    EVENT_PREFIX = "clearance"

    def _entered(self, status: ClearanceStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        if status in (ClearanceStatus.VERIFIED, ClearanceStatus.FAILED):
            self.passed = status is ClearanceStatus.VERIFIED
            self.verified_by = actor
            self.verified_at = now

    def audit_details(self) -> dict[str, Any]:
        return {"mentor_id": self.mentor_id, "kind": self.kind.value}

    def is_current(self, on: Optional[date] = None) -> bool:
        on = on or date.today()
        return self.passed and (self.expires_on is None or self.expires_on >= on)


# ---------------------------------------------------------------- matching


class RunStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": _l("Waiting for a worker"), "running": _l("Running"), "done": _l("Done"),
                "failed": _l("Failed")}[self.value]


_R = RunStatus
RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    _R.QUEUED: frozenset({_R.RUNNING, _R.FAILED}),
    # A run whose worker stopped goes back to the queue once, then fails with the reason.
    _R.RUNNING: frozenset({_R.DONE, _R.FAILED, _R.QUEUED}),
    _R.DONE: frozenset(),
    _R.FAILED: frozenset(),
}
OPEN_RUN_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})


class MatchingRun(StatusMachine, db.Model):
    __tablename__ = "matching_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    program_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programs.id"), index=True)
    started_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    finished_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    status: so.Mapped[RunStatus] = so.mapped_column(
        _enum(RunStatus, "run_status"), default=RunStatus.QUEUED
    )
    # How far the worker got: a share in [0, 1] and the stage's name, for the progress bar.
    progress: so.Mapped[float] = so.mapped_column(default=0.0)
    stage: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    # Written by the worker as it goes; a running run whose heartbeat stops lost its worker.
    heartbeat_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    # Two workers handed the same run both try QUEUED -> RUNNING; the version check lets one win.
    version: so.Mapped[int] = so.mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
    config: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    youth_count: so.Mapped[int] = so.mapped_column(default=0)
    mentor_count: so.Mapped[int] = so.mapped_column(default=0)
    proposal_count: so.Mapped[int] = so.mapped_column(default=0)
    unmatched_count: so.Mapped[int] = so.mapped_column(default=0)
    total_score: so.Mapped[float] = so.mapped_column(default=0.0)
    seconds: so.Mapped[float] = so.mapped_column(default=0.0)
    error: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    program: so.Mapped[Program] = so.relationship()
    started_by: so.Mapped[Optional[User]] = so.relationship()
    proposals: so.Mapped[list["MatchProposal"]] = so.relationship(back_populates="run")
    unmatched: so.Mapped[list["UnmatchedYouth"]] = so.relationship(back_populates="run")

    TRANSITIONS = RUN_TRANSITIONS
    EVENT_PREFIX = "matching_run"

    def _entered(self, status: RunStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        if status is RunStatus.RUNNING:
            self.attempts += 1
            self.heartbeat_at = now
        elif status in (RunStatus.DONE, RunStatus.FAILED):
            self.finished_at = now
            if status is RunStatus.FAILED:
                self.error = reason or "The run failed."
            else:
                self.progress, self.stage = 1.0, "done"
        elif status is RunStatus.QUEUED:
            self.progress, self.stage = 0.0, ""

    def audit_details(self) -> dict[str, Any]:
        return {"program_id": self.program_id}


class ProposalStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    DECLINED_BY_GUARDIAN = "declined_by_guardian"

    @property
    def label(self) -> str:
        return {
            "pending": _l("Awaiting decision"),
            "approved": _l("Approved"),
            "rejected": _l("Rejected"),
            "superseded": _l("Superseded by a later run"),
            "declined_by_guardian": _l("Declined by the guardian"),
        }[self.value]


_P = ProposalStatus
PROPOSAL_TRANSITIONS: dict[ProposalStatus, frozenset[ProposalStatus]] = {
    _P.PENDING: frozenset({_P.APPROVED, _P.REJECTED, _P.SUPERSEDED}),
    # The family may turn down a mentor staff approved.
    _P.APPROVED: frozenset({_P.DECLINED_BY_GUARDIAN}),
    _P.REJECTED: frozenset(),
    _P.SUPERSEDED: frozenset(),
    _P.DECLINED_BY_GUARDIAN: frozenset(),
}


class MatchProposal(StatusMachine, db.Model):
    __tablename__ = "match_proposals"
    __table_args__ = (
        sa.CheckConstraint("score >= 0 AND score <= 1", name="score"),
        # A run's proposals a page at a time, best score first, with or without a status filter.
        sa.Index("ix_match_proposals_run_status_score", "run_id", "status", "score", "id"),
        sa.Index("ix_match_proposals_run_score", "run_id", "score", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    run_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("matching_runs.id", ondelete="CASCADE"), index=True
    )
    application_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    mentor_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("mentors.id", ondelete="CASCADE"), index=True
    )
    score: so.Mapped[float]
    # Each factor's share of the score in plain words: [{factor, label, contribution, text}].
    reasons: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON, default=list)
    alternatives: so.Mapped[list[dict[str, Any]]] = so.mapped_column(sa.JSON, default=list)
    # With a learned model and enough history: how often matches like this lasted a year
    # ({probability, observed, low, high, similar}); None otherwise.
    chance: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)
    status: so.Mapped[ProposalStatus] = so.mapped_column(
        _enum(ProposalStatus, "proposal_status"), default=ProposalStatus.PENDING, index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    decided_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    decision_reason: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    run: so.Mapped[Optional[MatchingRun]] = so.relationship(back_populates="proposals")
    application: so.Mapped[Application] = so.relationship()
    mentor: so.Mapped[Mentor] = so.relationship()
    decided_by: so.Mapped[Optional[User]] = so.relationship()

    TRANSITIONS = PROPOSAL_TRANSITIONS
    EVENT_PREFIX = "proposal"

    def _entered(self, status: ProposalStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        self.decided_by = actor
        self.decided_at = now
        self.decision_reason = reason or None

    def audit_details(self) -> dict[str, Any]:
        return {"application_id": self.application_id, "mentor_id": self.mentor_id}

    @classmethod
    def supersede_pending(cls, program_id: int, keep_run_id: int) -> int:
        """Retire the pending proposals of a program's earlier runs when a new run stores its own.

        The one bulk status change: a run may retire thousands, so it is one statement and one
        event for the lot rather than a row-by-row move; PENDING -> SUPERSEDED is in the table.
        """
        assert ProposalStatus.SUPERSEDED in PROPOSAL_TRANSITIONS[ProposalStatus.PENDING]
        result = db.session.execute(
            sa.update(cls)
            .where(cls.status == ProposalStatus.PENDING,
                   cls.run_id.in_(sa.select(MatchingRun.id).where(MatchingRun.program_id == program_id,
                                                                  MatchingRun.id != keep_run_id)))
            .values(status=ProposalStatus.SUPERSEDED, decided_at=utcnow())
        )
        if result.rowcount:
            run = db.session.get(MatchingRun, keep_run_id)
            record_audit(None, "proposal.superseded", run, count=result.rowcount, program_id=program_id)
        return result.rowcount


class ProposalCount(db.Model):
    """How many of a run's proposals are in each status, kept by the database itself.

    Triggers on `match_proposals` move these with every insert, status change and delete, by any
    path (a decision, a run's bulk supersede, a cascade from a deleted run or application), in the
    same transaction; so a coordinator's counts are read from a handful of rows rather than counted
    over a run's thousands of proposals after each decision.
    """

    __tablename__ = "proposal_counts"

    run_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("matching_runs.id", ondelete="CASCADE"), primary_key=True
    )
    status: so.Mapped[ProposalStatus] = so.mapped_column(_enum(ProposalStatus, "proposal_status"), primary_key=True)
    total: so.Mapped[int] = so.mapped_column(default=0)


# PostgreSQL: one trigger per kind of statement (its event, its transition tables, its function's
# body), each seeing the statement's rows whole, so a run storing thousands of proposals, or
# superseding them, moves each count once per statement rather than once per row.
_PG_PROPOSAL_COUNT_TRIGGERS = {
    "inserted": ("INSERT", "NEW TABLE AS new_rows", """
        INSERT INTO proposal_counts (run_id, status, total)
        SELECT run_id, status, count(*) FROM new_rows WHERE run_id IS NOT NULL GROUP BY run_id, status
        ON CONFLICT (run_id, status) DO UPDATE SET total = proposal_counts.total + excluded.total;"""),
    "deleted": ("DELETE", "OLD TABLE AS old_rows", """
        UPDATE proposal_counts AS c SET total = c.total - gone.n
        FROM (SELECT run_id, status, count(*) AS n FROM old_rows WHERE run_id IS NOT NULL
              GROUP BY run_id, status) AS gone
        WHERE c.run_id = gone.run_id AND c.status = gone.status;"""),
    "updated": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", """
        UPDATE proposal_counts AS c SET total = c.total - gone.n
        FROM (SELECT o.run_id, o.status, count(*) AS n FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE o.run_id IS NOT NULL
                AND (n.run_id IS DISTINCT FROM o.run_id OR n.status <> o.status)
              GROUP BY o.run_id, o.status) AS gone
        WHERE c.run_id = gone.run_id AND c.status = gone.status;
        INSERT INTO proposal_counts (run_id, status, total)
        SELECT n.run_id, n.status, count(*) FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.run_id IS NOT NULL AND (n.run_id IS DISTINCT FROM o.run_id OR n.status <> o.status)
        GROUP BY n.run_id, n.status
        ON CONFLICT (run_id, status) DO UPDATE SET total = proposal_counts.total + excluded.total;"""),
}
PROPOSAL_COUNT_DDL = {
    "postgresql": [
        statement
        for kind, (event, transition_tables, body) in _PG_PROPOSAL_COUNT_TRIGGERS.items()
        for statement in (
            f"CREATE OR REPLACE FUNCTION proposal_counts_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN{body}\n    RETURN NULL;\nEND $$",
            f"CREATE TRIGGER proposal_counts_{kind} AFTER {event} ON match_proposals "
            f"REFERENCING {transition_tables} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION proposal_counts_{kind}()",
        )
    ],
    # SQLite runs triggers row by row, within the writer's own process: a run's thousands of
    # rows cost it milliseconds.
    "sqlite": [
        """CREATE TRIGGER proposal_counts_inserted AFTER INSERT ON match_proposals
           WHEN NEW.run_id IS NOT NULL BEGIN
             INSERT INTO proposal_counts (run_id, status, total) VALUES (NEW.run_id, NEW.status, 1)
             ON CONFLICT (run_id, status) DO UPDATE SET total = total + 1;
           END""",
        """CREATE TRIGGER proposal_counts_deleted AFTER DELETE ON match_proposals
           WHEN OLD.run_id IS NOT NULL BEGIN
             UPDATE proposal_counts SET total = total - 1 WHERE run_id = OLD.run_id AND status = OLD.status;
           END""",
        """CREATE TRIGGER proposal_counts_updated AFTER UPDATE OF run_id, status ON match_proposals
           WHEN OLD.run_id IS NOT NEW.run_id OR OLD.status IS NOT NEW.status BEGIN
             UPDATE proposal_counts SET total = total - 1 WHERE run_id = OLD.run_id AND status = OLD.status;
             INSERT INTO proposal_counts (run_id, status, total) SELECT NEW.run_id, NEW.status, 1
             WHERE NEW.run_id IS NOT NULL
             ON CONFLICT (run_id, status) DO UPDATE SET total = total + 1;
           END""",
    ],
}


@sa.event.listens_for(db.metadata, "after_create")
def _create_proposal_count_triggers(metadata, connection, tables=(), **_kw) -> None:
    # With the table, once: `create_all` on a schema that has it creates nothing, triggers neither.
    if MatchProposal.__table__ not in tables:
        return
    for statement in PROPOSAL_COUNT_DDL.get(connection.dialect.name, ()):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(db.metadata, "after_drop")
def _drop_proposal_count_functions(metadata, connection, **_kw) -> None:
    # Dropping the table took its triggers; on PostgreSQL the functions they called remain.
    if connection.dialect.name == "postgresql":
        for kind in _PG_PROPOSAL_COUNT_TRIGGERS:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS proposal_counts_{kind}()")


class UnmatchedYouth(db.Model):
    """A youth a run could not pair, with the engine's reason in plain words."""

    __tablename__ = "unmatched_youth"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    run_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("matching_runs.id", ondelete="CASCADE"), index=True
    )
    application_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    # The blocking rule in machine form, so recruitment gaps can be counted.
    rule: so.Mapped[Optional[str]] = so.mapped_column(sa.String(40))
    details: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)

    run: so.Mapped[MatchingRun] = so.relationship(back_populates="unmatched")
    application: so.Mapped[Application] = so.relationship()


class PairSource(str, enum.Enum):
    """Who ruled a pair out."""

    COORDINATOR = "coordinator"
    FAMILY = "family"


class DoNotMatch(db.Model):
    """A pair no run may propose: ruled out by a coordinator, or a mentor the family declined.

    A coordinator may lift it with a reason; the row stays, lifted, as history.
    """

    __tablename__ = "do_not_match"
    __table_args__ = (
        # One standing rule per pair; lifted ones are history.
        sa.Index("uq_do_not_match_standing", "youth_id", "mentor_id", unique=True,
                 sqlite_where=sa.text("lifted_at IS NULL"), postgresql_where=sa.text("lifted_at IS NULL")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    youth_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("youth.id", ondelete="CASCADE"), index=True
    )
    mentor_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("mentors.id", ondelete="CASCADE"), index=True
    )
    source: so.Mapped[PairSource] = so.mapped_column(
        _enum(PairSource, "pair_source"), default=PairSource.COORDINATOR
    )
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    # The proposal the family declined, when the family ruled the pair out.
    proposal_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("match_proposals.id", ondelete="SET NULL"), index=True
    )
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    lifted_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    lifted_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    lift_reason: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    youth: so.Mapped[Youth] = so.relationship()
    mentor: so.Mapped[Mentor] = so.relationship()
    created_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[created_by_id])
    lifted_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[lifted_by_id])

    @property
    def standing(self) -> bool:
        return self.lifted_at is None

    @property
    def description(self) -> str:
        """Why the pair is ruled out, as a coordinator reads it."""
        if self.source is PairSource.FAMILY:
            return f"declined by the family on {self.created_at:%Y-%m-%d}: {self.reason or 'no reason given'}"
        return f"ruled out by staff on {self.created_at:%Y-%m-%d}: {self.reason}"

    def lift(self, actor: User, reason: str) -> None:
        """Let runs propose the pair again, with the coordinator's reason on record."""
        if self.lifted_at is not None:
            raise TransitionError("This pair is already allowed again.")
        self.lifted_at = utcnow()
        self.lifted_by = actor
        self.lift_reason = reason
        record_audit(actor, "do_not_match.lifted", self, youth_id=self.youth_id, mentor_id=self.mentor_id,
                     source=self.source.value, reason=reason)


# ---------------------------------------------------------------- matches and monitoring


class MatchStatus(str, enum.Enum):
    AWAITING_FIRST_MEETING = "awaiting_first_meeting"
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "awaiting_first_meeting": _l("Approved — first meeting to hold"),
            "active": _l("Active"),
            "paused": _l("Paused — a coordinator decides"),
            "closed": _l("Closed"),
        }[self.value]


# Open matches hold a place in the mentor's capacity, paused ones included: the coordinator
# decides whether a paused match resumes or closes.
OPEN_MATCH_STATUSES = frozenset({MatchStatus.AWAITING_FIRST_MEETING, MatchStatus.ACTIVE, MatchStatus.PAUSED})
# The matches a mentor and family work in: contact details shown, meetings logged.
WORKING_MATCH_STATUSES = frozenset({MatchStatus.AWAITING_FIRST_MEETING, MatchStatus.ACTIVE})

_T = MatchStatus
MATCH_TRANSITIONS: dict[MatchStatus, frozenset[MatchStatus]] = {
    _T.AWAITING_FIRST_MEETING: frozenset({_T.ACTIVE, _T.PAUSED, _T.CLOSED}),
    _T.ACTIVE: frozenset({_T.PAUSED, _T.CLOSED}),
    _T.PAUSED: frozenset({_T.AWAITING_FIRST_MEETING, _T.ACTIVE, _T.CLOSED}),
    _T.CLOSED: frozenset(),
}


class PauseReason(str, enum.Enum):
    CONSENT_WITHDRAWN = "consent_withdrawn"
    MENTOR_SUSPENDED = "mentor_suspended"
    CLEARANCE_LAPSED = "clearance_lapsed"

    @property
    def label(self) -> str:
        return {
            "consent_withdrawn": _l("The guardian withdrew consent"),
            "mentor_suspended": _l("The mentor is suspended"),
            "clearance_lapsed": _l("The mentor's clearance lapsed"),
        }[self.value]


class ClosureReason(str, enum.Enum):
    MOVED = "moved"
    TIME = "time"
    AGED_OUT = "aged_out"
    MISMATCH = "mismatch"
    SAFETY = "safety"
    PROGRAM_ENDED = "program_ended"
    FAMILY_DECLINED = "family_declined"
    FAMILY_WITHDREW = "family_withdrew"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "moved": _l("Moved away"),
            "time": _l("Lack of time"),
            "aged_out": _l("Youth aged out"),
            "mismatch": _l("Mismatch"),
            "safety": _l("Safety concern"),
            "program_ended": _l("Program ended"),
            "family_declined": _l("The family declined the mentor"),
            "family_withdrew": _l("The family withdrew"),
            "other": _l("Other"),
        }[self.value]


class Match(StatusMachine, db.Model):
    __tablename__ = "matches"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    application_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    mentor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("mentors.id"), index=True)
    proposal_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("match_proposals.id", ondelete="SET NULL"), index=True
    )
    status: so.Mapped[MatchStatus] = so.mapped_column(
        _enum(MatchStatus, "match_status"), default=MatchStatus.AWAITING_FIRST_MEETING, index=True
    )
    approved_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    approved_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    first_meeting_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    first_meeting_place: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    first_meeting_attendees: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    first_meeting_held_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    commitment_signed_on: so.Mapped[Optional[date]]
    commitment_signatures: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)
    meeting_plan: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    closed_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    closure_planned: so.Mapped[Optional[bool]]
    closure_reason: so.Mapped[Optional[ClosureReason]] = so.mapped_column(
        _enum(ClosureReason, "closure_reason")
    )
    closure_notes: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)
    rematch: so.Mapped[Optional[bool]]
    post_closure_contact: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    closed_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    paused_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    pause_reason: so.Mapped[Optional[PauseReason]] = so.mapped_column(_enum(PauseReason, "pause_reason"))
    # When the family (the guardian, or the young person from 18) accepted the mentor staff approved,
    # and who did: until then neither side sees the other's contact details.
    accepted_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    accepted_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    application: so.Mapped[Application] = so.relationship()
    mentor: so.Mapped[Mentor] = so.relationship(back_populates="matches")
    proposal: so.Mapped[Optional[MatchProposal]] = so.relationship()
    approved_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[approved_by_id])
    closed_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[closed_by_id])
    accepted_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[accepted_by_id])
    check_ins: so.Mapped[list["CheckIn"]] = so.relationship(
        back_populates="match", order_by="CheckIn.occurred_on"
    )

    TRANSITIONS = MATCH_TRANSITIONS
    EVENT_PREFIX = "match"

    @property
    def youth(self) -> Youth:
        return self.application.youth

    def _entered(self, status: MatchStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        if status is MatchStatus.CLOSED:
            self.closed_at = now
            self.closed_by = actor
        elif status is MatchStatus.PAUSED:
            self.paused_at = now
        elif self.pause_reason is not None:
            self.paused_at, self.pause_reason = None, None

    def audit_details(self) -> dict[str, Any]:
        return {"application_id": self.application_id, "mentor_id": self.mentor_id}

    @property
    def status_to_resume(self) -> MatchStatus:
        """Where a paused match goes back to: active once it began, else awaiting its first meeting."""
        began = self.first_meeting_held_at is not None and self.commitment_signed_on is not None
        return MatchStatus.ACTIVE if began else MatchStatus.AWAITING_FIRST_MEETING

    @property
    def family_accepted(self) -> bool:
        return self.accepted_at is not None

    def accept(self, actor: User) -> None:
        """The family accepts the mentor staff approved: audited, and the mentor is told.

        Not a status of its own: the match still awaits its first meeting, now with the family's
        yes on record, which `contact_allowed` asks for.
        """
        if self.accepted_at is not None:
            raise TransitionError("The family has already accepted this match.")
        if self.status not in WORKING_MATCH_STATUSES:
            raise TransitionError(f"A match that is {self.status.label.lower()} cannot be accepted.")
        self.accepted_at = utcnow()
        self.accepted_by = actor
        record_audit(actor, "match.accepted", self, after={"accepted_at": self.accepted_at.isoformat()},
                     **self.audit_details())

    @property
    def contact_allowed(self) -> bool:
        """May the mentor see the family's contact details and log meetings now (and the family
        see the mentor's, as the program's contact policy allows).

        The family must have accepted the match and the match must be working (not paused or
        closed); the two facts a pause follows from are checked here too, so access ends in the
        same transaction as consent is withdrawn or the mentor suspended, before the pause itself
        is recorded.
        """
        return (self.accepted_at is not None
                and self.status in WORKING_MATCH_STATUSES
                and self.mentor.status is MentorStatus.APPROVED
                and self.application.consent_on_file)


class CheckInParty(str, enum.Enum):
    MENTOR = "mentor"
    YOUTH = "youth"
    GUARDIAN = "guardian"

    @property
    def label(self) -> str:
        return {"mentor": _l("Mentor"), "youth": _l("Youth"), "guardian": _l("Guardian")}[self.value]


class ContactMethod(str, enum.Enum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    GROUP_ACTIVITY = "group_activity"
    # No longer offered to mentors (youth-protection rules forbid private one-to-one digital
    # contact between an adult leader and a young person); kept so older records still read.
    MESSAGE = "message"

    @property
    def label(self) -> str:
        return {
            "in_person": _l("In person"),
            "phone": _l("Phone call"),
            "video": _l("Video call"),
            "group_activity": _l("Group activity"),
            "message": _l("Message"),
        }[self.value]


class CheckIn(db.Model):
    """A support contact by staff, or a meeting a mentor logs."""

    __tablename__ = "check_ins"
    __table_args__ = (
        sa.CheckConstraint(
            "relationship_quality IS NULL OR relationship_quality BETWEEN 1 AND 5",
            name="quality",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    match_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    occurred_on: so.Mapped[date]
    is_mentor_meeting: so.Mapped[bool] = so.mapped_column(default=False)
    party: so.Mapped[CheckInParty] = so.mapped_column(_enum(CheckInParty, "checkin_party"))
    method: so.Mapped[ContactMethod] = so.mapped_column(_enum(ContactMethod, "contact_method"))
    meetings_per_month: so.Mapped[Optional[int]]
    relationship_quality: so.Mapped[Optional[int]]
    safety_concern: so.Mapped[bool] = so.mapped_column(default=False)
    safety_resolved_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    logged_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    match: so.Mapped[Match] = so.relationship(back_populates="check_ins")
    logged_by: so.Mapped[Optional[User]] = so.relationship()


# ---------------------------------------------------------------- audit


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[Optional[int]]
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    details: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)

    actor: so.Mapped[Optional[User]] = so.relationship()


class LearningStatus(str, enum.Enum):
    FITTING = "fitting"
    READY = "ready"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"fitting": "Learning from the outcomes", "ready": "Ready", "failed": "Failed"}[self.value]


_L = LearningStatus
LEARNING_TRANSITIONS: dict[LearningStatus, frozenset[LearningStatus]] = {
    _L.FITTING: frozenset({_L.READY, _L.FAILED}),
    _L.READY: frozenset(),
    _L.FAILED: frozenset(),
}


class OutcomeModel(StatusMachine, db.Model):
    """An outcome model learned from one program's closed matches, with its report, kept as plain
    JSON data (never pickled). A program scores with one only once an admin adopts it."""

    __tablename__ = "outcome_models"
    __table_args__ = (
        # At most one model in use per program: the one adopted and not since set aside.
        sa.Index("uq_outcome_models_in_use", "program_id", unique=True,
                 sqlite_where=sa.text("adopted_at IS NOT NULL AND set_aside_at IS NULL"),
                 postgresql_where=sa.text("adopted_at IS NOT NULL AND set_aside_at IS NULL")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    program_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    status: so.Mapped[LearningStatus] = so.mapped_column(
        _enum(LearningStatus, "learning_status"), default=LearningStatus.FITTING
    )
    # The model's own content id and data (format "mentormatch.additive/1"), and the learning report.
    model_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(80))
    model: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)
    report: so.Mapped[Optional[dict[str, Any]]] = so.mapped_column(sa.JSON)
    labelled: so.Mapped[int] = so.mapped_column(default=0)
    lasted: so.Mapped[int] = so.mapped_column(default=0)
    # Why there is no model: too few outcomes, or the error.
    problem: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    requested_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    requested_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    finished_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    # The program scores with this model from adoption until it is set aside (by the admin, or
    # by adopting a newer one).
    adopted_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    adopted_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    set_aside_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    program: so.Mapped[Program] = so.relationship()
    requested_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[requested_by_id])
    adopted_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[adopted_by_id])

    @property
    def in_use(self) -> bool:
        return self.adopted_at is not None and self.set_aside_at is None

    TRANSITIONS = LEARNING_TRANSITIONS
    EVENT_PREFIX = "outcome_model"

    def _entered(self, status: LearningStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        self.finished_at = now
        if status is LearningStatus.FAILED:
            self.problem = reason or self.problem

    def audit_details(self) -> dict[str, Any]:
        return {"program_id": self.program_id, "model_key": self.model_key}


class DomainEvent(db.Model):
    """Something that happened, recorded in the same transaction as the change: the outbox.

    After commit a worker runs each consequence subscribed to the event's kind (see
    `mentormatch.events`); `dispatched_at` is set once all have run. An event nothing
    subscribes to is born dispatched.
    """

    __tablename__ = "domain_events"
    __table_args__ = (
        sa.Index("ix_domain_events_undispatched", "dispatched_at", "id"),
        sa.Index("ix_domain_events_object", "object_type", "object_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    object_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[Optional[int]]
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # Recorded while loading history (demo data): state consequences run, nobody is e-mailed.
    quiet: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    actor: so.Mapped[Optional[User]] = so.relationship()


class EventHandling(db.Model):
    """One consequence done for one event, written in the consequence's own transaction, so a
    consequence runs once however often its event is delivered."""

    __tablename__ = "event_handlings"

    event_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("domain_events.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber: so.Mapped[str] = so.mapped_column(sa.String(120), primary_key=True)
    handled_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class MessageStatus(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending": _l("Waiting to be sent"), "sending": _l("Being sent"), "sent": _l("Sent"),
                "failed": _l("Could not be delivered")}[self.value]


class OutboxMessage(db.Model):
    """An e-mail written and waiting to go, or gone: workers send it, with retries."""

    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Set when a consequence of an event wrote the message, so it is written once.
    key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(160), unique=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    template: so.Mapped[str] = so.mapped_column(sa.String(60))
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    status: so.Mapped[MessageStatus] = so.mapped_column(
        _enum(MessageStatus, "message_status"), default=MessageStatus.PENDING
    )
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    claimed_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    sent_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    last_error: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)


class SentReminder(db.Model):
    """A reminder or alert that went out, so a schedule that runs again never sends it twice."""

    __tablename__ = "sent_reminders"
    __table_args__ = (sa.UniqueConstraint("key", name="uq_sent_reminders_key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # What and for which day, e.g. "clearance-expiry:7:<clearance id>:<expiry date>".
    key: so.Mapped[str] = so.mapped_column(sa.String(160))
    sent_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


def record_audit(
    actor: Optional[User],
    action: str,
    obj: Any,
    before: Optional[dict] = None,
    after: Optional[dict] = None,
    **details: Any,
) -> AuditEvent:
    """Record a change to `obj` in the caller's transaction: the audit event people read, and
    the domain event whose consequences run after commit."""
    event = _audit_row(actor, action, obj, before, after, details)
    data = dict(event.details)
    kind = action
    quiet = bool(db.session.info.get("quiet_events"))
    db.session.add(DomainEvent(
        kind=kind, object_type=event.object_type, object_id=event.object_id, actor_id=event.actor_id,
        data=data, quiet=quiet, dispatched_at=None if has_subscribers(kind) else utcnow(),
    ))
    return event


def record_read(actor: Optional[User], action: str, obj: Any, **details: Any) -> AuditEvent:
    """Record that someone read a record (a youth's file, say): audited, but nothing follows."""
    return _audit_row(actor, action, obj, None, None, details)


def _audit_row(actor, action, obj, before, after, details) -> AuditEvent:
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.add(obj)
        db.session.flush()
    payload = dict(details)
    if before is not None:
        payload["before"] = before
    if after is not None:
        payload["after"] = after
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        details=payload,
    )
    db.session.add(event)
    return event


# ---------------------------------------------------------------- the partnership
#
# Partner organizations refer families and co-host events; mentors' volunteer hours come from
# the events they attended; stories of matches are published only with the family's approval.


class PartnerKind(str, enum.Enum):
    SCHOOL = "school"
    YOUTH_NONPROFIT = "youth_nonprofit"
    FAITH = "faith"
    MENTAL_HEALTH = "mental_health"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"school": "School", "youth_nonprofit": "Youth nonprofit", "faith": "Faith group",
                "mental_health": "Mental health", "other": "Other"}[self.value]


class Partner(db.Model):
    """A school, club, faith group or nonprofit that refers families and co-hosts events."""

    __tablename__ = "partners"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160), unique=True)
    kind: so.Mapped[PartnerKind] = so.mapped_column(_enum(PartnerKind, "partner_kind"))
    contact_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    contact_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    contact_phone: so.Mapped[str] = so.mapped_column(sa.String(32), default="")
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    liaisons: so.Mapped[list["PartnerLiaison"]] = so.relationship(back_populates="partner")

    def __repr__(self) -> str:
        return f"<Partner {self.id}>"


class PartnerLiaison(db.Model):
    """The partner organization a liaison account speaks for: one each."""

    __tablename__ = "partner_liaisons"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    user: so.Mapped[User] = so.relationship()
    partner: so.Mapped[Partner] = so.relationship(back_populates="liaisons")


class AgeBand(str, enum.Enum):
    """How old the referred child is, roughly: a liaison gives no date of birth."""

    TWELVE_THIRTEEN = "12-13"
    FOURTEEN_FIFTEEN = "14-15"
    SIXTEEN_SEVENTEEN = "16-17"
    EIGHTEEN_TWENTY = "18-20"

    @property
    def label(self) -> str:
        return self.value.replace("-", "–")


class ReferralStatus(str, enum.Enum):
    INVITED = "invited"
    APPLIED = "applied"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"invited": "Invited", "applied": "Applied", "declined": "Declined by the family",
                "withdrawn": "Withdrawn by the partner"}[self.value]


# Open referrals: a second one for the same family and child would be a duplicate.
OPEN_REFERRAL_STATUSES = frozenset({ReferralStatus.INVITED, ReferralStatus.APPLIED})

_F = ReferralStatus
REFERRAL_TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    # The family starts an application from the link, or says no; the liaison may take it back before.
    _F.INVITED: frozenset({_F.APPLIED, _F.DECLINED, _F.WITHDRAWN}),
    # From here on the application's own status tells the story.
    _F.APPLIED: frozenset(),
    _F.DECLINED: frozenset(),
    _F.WITHDRAWN: frozenset(),
}

referral_programs = sa.Table(
    "referral_programs",
    db.metadata,
    sa.Column("referral_id", sa.ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
)


class Referral(StatusMachine, db.Model):
    """A partner's suggestion that a family apply: what the liaison typed stays here, and becomes
    the child's record only through the family's own application."""

    __tablename__ = "referrals"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("partners.id"), index=True)
    referred_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    family_email: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    family_locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    child_first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    age_band: so.Mapped[AgeBand] = so.mapped_column(_enum(AgeBand, "age_band"))
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # When the liaison recorded that the family agreed to be contacted; no referral without it.
    family_agreed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    status: so.Mapped[ReferralStatus] = so.mapped_column(
        _enum(ReferralStatus, "referral_status"), default=ReferralStatus.INVITED, index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # Set when the family withdrew the partner's view of the referral's progress.
    view_withdrawn_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    partner: so.Mapped[Partner] = so.relationship()
    referred_by: so.Mapped[Optional[User]] = so.relationship()
    programs: so.Mapped[list[Program]] = so.relationship(secondary=referral_programs, order_by="Program.name")
    invitations: so.Mapped[list["ReferralInvitation"]] = so.relationship(
        back_populates="referral", order_by="ReferralInvitation.id"
    )
    applications: so.Mapped[list[Application]] = so.relationship(order_by="Application.id")

    TRANSITIONS = REFERRAL_TRANSITIONS
    EVENT_PREFIX = "referral"

    @classmethod
    def record(cls, actor: Optional[User], **fields: Any) -> "Referral":
        """A new referral, invited: the one way a referral begins."""
        referral = cls(status=ReferralStatus.INVITED, **fields)
        db.session.add(referral)
        db.session.flush()
        record_audit(actor, "referral.invited", referral, partner_id=referral.partner_id)
        return referral

    def _entered(self, status: ReferralStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        self.status_changed_at = now

    def audit_details(self) -> dict[str, Any]:
        return {"partner_id": self.partner_id}

    @property
    def view_withdrawn(self) -> bool:
        return self.view_withdrawn_at is not None


class ReferralInvitation(db.Model):
    """The single-use, expiring link a referred family is e-mailed; only its hash is stored."""

    __tablename__ = "referral_invitations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    referral_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    used_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    referral: so.Mapped[Referral] = so.relationship(back_populates="invitations")

    @classmethod
    def issue(cls, referral: Referral, lifetime: timedelta) -> tuple["ReferralInvitation", str]:
        """A new link for the referral; earlier unused ones stop working. Returns the raw secret,
        which is never stored."""
        now = utcnow()
        for earlier in referral.invitations:
            if earlier.used_at is None:
                earlier.used_at = now
        raw = secrets.token_urlsafe(32)
        invitation = cls(referral=referral, token_hash=AccessToken.hash(raw), email=referral.family_email,
                         expires_at=now + lifetime)
        db.session.add(invitation)
        return invitation, raw

    @classmethod
    def find_usable(cls, raw: str) -> Optional["ReferralInvitation"]:
        invitation = db.session.scalar(sa.select(cls).where(cls.token_hash == AccessToken.hash(raw or "")))
        if invitation is None or invitation.used_at is not None or invitation.expires_at <= utcnow():
            return None
        if invitation.referral.status is not ReferralStatus.INVITED:
            return None
        return invitation


class GatheringKind(str, enum.Enum):
    EXPLORER_MEETING = "explorer_meeting"
    COFFEE_WITH_A_COP = "coffee_with_a_cop"
    COMMUNITY_DAY = "community_day"
    TRAINING = "training"
    GROUP_OUTING = "group_outing"

    @property
    def label(self) -> str:
        return {"explorer_meeting": "Explorer meeting", "coffee_with_a_cop": "Coffee with a Cop",
                "community_day": "Community day", "training": "Training",
                "group_outing": "Group outing"}[self.value]


class Audience(str, enum.Enum):
    PUBLIC = "public"
    PROGRAM_FAMILIES = "program_families"
    MENTORS = "mentors"
    MATCHED_PAIRS = "matched_pairs"

    @property
    def label(self) -> str:
        return {"public": "Everyone", "program_families": "Families in a program", "mentors": "Mentors",
                "matched_pairs": "Matched mentors and families"}[self.value]


class GatheringStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "published": "Published", "cancelled": "Cancelled"}[self.value]


_G = GatheringStatus
GATHERING_TRANSITIONS: dict[GatheringStatus, frozenset[GatheringStatus]] = {
    _G.DRAFT: frozenset({_G.PUBLISHED, _G.CANCELLED}),
    _G.PUBLISHED: frozenset({_G.CANCELLED}),
    _G.CANCELLED: frozenset(),
}


class Gathering(StatusMachine, db.Model):
    """An event: an Explorer meeting, Coffee with a Cop, a community day, a training, an outing.

    Times are the program's wall-clock times, stored as the service stores a first meeting's.
    """

    __tablename__ = "gatherings"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="times"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
        sa.Index("ix_gatherings_upcoming", "status", "starts_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(160))
    kind: so.Mapped[GatheringKind] = so.mapped_column(_enum(GatheringKind, "gathering_kind"))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    place: so.Mapped[str] = so.mapped_column(sa.String(200))
    # People, guests included; None means no limit.
    capacity: so.Mapped[Optional[int]]
    audience: so.Mapped[Audience] = so.mapped_column(_enum(Audience, "audience"), default=Audience.PUBLIC)
    program_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("programs.id"), index=True)
    partner_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("partners.id"), index=True)
    status: so.Mapped[GatheringStatus] = so.mapped_column(
        _enum(GatheringStatus, "gathering_status"), default=GatheringStatus.DRAFT
    )
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    published_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    cancelled_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    program: so.Mapped[Optional[Program]] = so.relationship()
    partner: so.Mapped[Optional[Partner]] = so.relationship()
    created_by: so.Mapped[Optional[User]] = so.relationship()
    rsvps: so.Mapped[list["Rsvp"]] = so.relationship(back_populates="gathering", order_by="Rsvp.id")

    TRANSITIONS = GATHERING_TRANSITIONS
    EVENT_PREFIX = "gathering"

    def _entered(self, status: GatheringStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        if status is GatheringStatus.PUBLISHED:
            self.published_at = now
        elif status is GatheringStatus.CANCELLED:
            self.cancelled_at = now

    @property
    def hours(self) -> float:
        return self.length_in_hours(self.starts_at, self.ends_at)

    @staticmethod
    def length_in_hours(starts_at: datetime, ends_at: datetime) -> float:
        return round((ends_at - starts_at).total_seconds() / 3600, 2)


class RsvpStatus(str, enum.Enum):
    GOING = "going"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"going": "Going", "waitlisted": "On the waitlist", "cancelled": "Cancelled"}[self.value]


_V = RsvpStatus
RSVP_TRANSITIONS: dict[RsvpStatus, frozenset[RsvpStatus]] = {
    _V.GOING: frozenset({_V.CANCELLED}),
    # A place freed by a cancellation goes to the first on the waitlist.
    _V.WAITLISTED: frozenset({_V.GOING, _V.CANCELLED}),
    _V.CANCELLED: frozenset({_V.GOING, _V.WAITLISTED}),
}
# A new answer starts in one of these.
RSVP_FIRST_STATUSES = frozenset({_V.GOING, _V.WAITLISTED})


class Rsvp(StatusMachine, db.Model):
    """One person's answer to an event, with the guests a family brings, and whether they came."""

    __tablename__ = "rsvps"
    __table_args__ = (
        sa.UniqueConstraint("gathering_id", "user_id", name="uq_rsvps_person"),
        sa.CheckConstraint("guests >= 0 AND guests <= 10", name="guests"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    gathering_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("gatherings.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    guests: so.Mapped[int] = so.mapped_column(default=0)
    status: so.Mapped[RsvpStatus] = so.mapped_column(_enum(RsvpStatus, "rsvp_status"), default=RsvpStatus.GOING)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The waitlist is served in the order people joined it.
    waitlisted_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    attended_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    attendance_taken_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    gathering: so.Mapped[Gathering] = so.relationship(back_populates="rsvps")
    user: so.Mapped[User] = so.relationship(foreign_keys=[user_id])

    TRANSITIONS = RSVP_TRANSITIONS
    EVENT_PREFIX = "rsvp"

    @classmethod
    def record(cls, gathering: Gathering, user: User, status: RsvpStatus, guests: int) -> "Rsvp":
        """A person's first answer to an event: the one way an RSVP begins."""
        if status not in RSVP_FIRST_STATUSES:
            raise TransitionError(f"An answer cannot begin as {status.label.lower()}.")
        now = utcnow()
        rsvp = cls(gathering=gathering, user=user, status=status, guests=guests, status_changed_at=now,
                   waitlisted_at=now if status is RsvpStatus.WAITLISTED else None)
        db.session.add(rsvp)
        db.session.flush()
        record_audit(user, f"rsvp.{status.value}", rsvp, after={"status": status.value},
                     **rsvp.audit_details())
        return rsvp

    def _entered(self, status: RsvpStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        self.status_changed_at = now
        if status is RsvpStatus.WAITLISTED:
            self.waitlisted_at = now

    def audit_details(self) -> dict[str, Any]:
        return {"gathering_id": self.gathering_id, "user_id": self.user_id}

    @property
    def people(self) -> int:
        return 1 + self.guests


class CalendarFeed(db.Model):
    """A person's private calendar address: only the hash of its secret is kept; a reset replaces it."""

    __tablename__ = "calendar_feeds"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    user: so.Mapped[User] = so.relationship()


class StoryStatus(str, enum.Enum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "awaiting_approval": "Waiting for the family's approval",
                "approved": "Approved by the family", "published": "Published",
                "withdrawn": "Withdrawn"}[self.value]


_Y = StoryStatus
STORY_TRANSITIONS: dict[StoryStatus, frozenset[StoryStatus]] = {
    _Y.DRAFT: frozenset({_Y.AWAITING_APPROVAL, _Y.WITHDRAWN}),
    # Taken back to draft to be changed, the family's approvals are asked again.
    _Y.AWAITING_APPROVAL: frozenset({_Y.APPROVED, _Y.DRAFT, _Y.WITHDRAWN}),
    _Y.APPROVED: frozenset({_Y.PUBLISHED, _Y.WITHDRAWN}),
    # Anyone who approved, wrote or published it may withdraw it, at any time.
    _Y.PUBLISHED: frozenset({_Y.WITHDRAWN}),
    _Y.WITHDRAWN: frozenset(),
}


class Story(StatusMachine, db.Model):
    """A success story about a match, in first names only, published with the family's approval."""

    __tablename__ = "stories"
    __table_args__ = (sa.Index("ix_stories_status_published", "status", "published_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    match_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("matches.id", ondelete="CASCADE"), index=True)
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(160))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    # The Spanish version, where someone translated it.
    title_es: so.Mapped[str] = so.mapped_column(sa.String(160), default="")
    body_es: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[StoryStatus] = so.mapped_column(_enum(StoryStatus, "story_status"), default=StoryStatus.DRAFT)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    guardian_approved_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    youth_approved_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    published_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    withdrawn_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    match: so.Mapped[Match] = so.relationship()
    author: so.Mapped[Optional[User]] = so.relationship()
    photo: so.Mapped[Optional["StoryPhoto"]] = so.relationship(back_populates="story", cascade="all, delete-orphan")

    TRANSITIONS = STORY_TRANSITIONS
    EVENT_PREFIX = "story"

    def _entered(self, status: StoryStatus, actor: Optional[User], reason: str, now: datetime) -> None:
        self.status_changed_at = now
        if status is StoryStatus.DRAFT:
            self.guardian_approved_at = self.youth_approved_at = None
        elif status is StoryStatus.PUBLISHED:
            self.published_at = now
        elif status is StoryStatus.WITHDRAWN:
            self.withdrawn_at = now

    def audit_details(self) -> dict[str, Any]:
        return {"match_id": self.match_id}


class StoryPhoto(db.Model):
    """A story's photo, re-encoded as a JPEG with no metadata; kept apart so lists load no images."""

    __tablename__ = "story_photos"

    story_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    width: so.Mapped[int]
    height: so.Mapped[int]
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    story: so.Mapped[Story] = so.relationship(back_populates="photo")


# Login sessions live beside the code that checks them; imported so every app knows their table.
import mentormatch.sessions  # noqa: E402,F401
