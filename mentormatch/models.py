"""The domain model: accounts, programs, youth and their applications, mentors and clearances,
matching runs and proposals, matches with their check-ins, and the audit trail."""
from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

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


# ---------------------------------------------------------------- accounts


class Role(str, enum.Enum):
    GUARDIAN = "guardian"
    YOUTH = "youth"
    MENTOR = "mentor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "guardian": "Parent / guardian",
            "youth": "Young person",
            "mentor": "Mentor",
            "coordinator": "Coordinator",
            "admin": "Administrator",
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
            "exploring": "Law Enforcement Exploring",
            "leadership": "Youth leadership",
            "cadet": "Cadet program",
        }[self.value]


class MatchFormat(str, enum.Enum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"

    @property
    def label(self) -> str:
        return {"one_to_one": "One-to-one", "group": "Group / site-based"}[self.value]


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
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    kind: so.Mapped[ProgramKind] = so.mapped_column(_enum(ProgramKind, "program_kind"))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    parent_information: so.Mapped[str] = so.mapped_column(sa.Text, default="")
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
            "draft": "Draft",
            "awaiting_consent": "Needs guardian consent",
            "under_review": "Under review",
            "info_requested": "More information requested",
            "ineligible": "Not eligible",
            "waitlisted": "Waiting for a mentor",
            "proposed": "Mentor proposed",
            "matched": "Matched",
            "paused": "Paused (consent withdrawn)",
            "withdrawn": "Withdrawn",
            "closed": "Closed",
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
    _S.PAUSED: frozenset({_S.UNDER_REVIEW, _S.WITHDRAWN, _S.CLOSED}),
    _S.INELIGIBLE: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.CLOSED: frozenset(),
}


class TransitionError(ValueError):
    """A status change that the rules do not allow."""


class Application(db.Model):
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

    youth: so.Mapped[Youth] = so.relationship(back_populates="applications")
    program: so.Mapped[Program] = so.relationship(back_populates="applications")
    created_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[created_by_id])
    decided_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[decided_by_id])
    consents: so.Mapped[list["GuardianConsent"]] = so.relationship(
        back_populates="application", order_by="GuardianConsent.id"
    )

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.status.value}>"

    def can_move_to(self, status: ApplicationStatus) -> bool:
        return status in APPLICATION_TRANSITIONS[self.status]

    def move_to(self, status: ApplicationStatus, actor: Optional[User], reason: str = "") -> None:
        """Change status if the rules allow it, and write the audit event."""
        if not self.can_move_to(status):
            raise TransitionError(
                f"An application that is {self.status.label.lower()} cannot become "
                f"{status.label.lower()}."
            )
        before = self.status
        now = utcnow()
        self.status = status
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
        record_audit(
            actor,
            "application.status",
            self,
            before={"status": before.value},
            after={"status": status.value, "reason": reason or None},
        )

    @property
    def active_consent(self) -> Optional["GuardianConsent"]:
        for consent in reversed(self.consents):
            if consent.withdrawn_at is None and consent.declined_at is None:
                return consent
        return None

    def needs_consent(self, on: Optional[date] = None) -> bool:
        age = self.youth.age(on)
        return age is not None and age < 18

    def days_waiting(self, now: Optional[datetime] = None) -> int:
        if self.waiting_since is None:
            return 0
        return max(0, ((now or utcnow()) - self.waiting_since).days)


class GuardianConsent(db.Model):
    """Informed consent for a minor's application: who gave it, as what, and when."""

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
    consented_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    declined_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    withdrawn_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    withdrawal_reason: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    application: so.Mapped[Application] = so.relationship(back_populates="consents")
    guardian_user: so.Mapped[Optional[User]] = so.relationship()


# ---------------------------------------------------------------- mentors and clearances


class MentorStatus(str, enum.Enum):
    APPLIED = "applied"
    APPROVED = "approved"
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        return {"applied": "Awaiting approval", "approved": "Approved", "suspended": "Suspended"}[
            self.value
        ]


class ClearanceKind(str, enum.Enum):
    BACKGROUND_CHECK = "background_check"
    YOUTH_PROTECTION = "youth_protection"
    MANDATED_REPORTER = "mandated_reporter"
    INTERVIEW = "interview"

    @property
    def label(self) -> str:
        return {
            "background_check": "Background check (Live Scan)",
            "youth_protection": "Youth-protection training",
            "mandated_reporter": "Mandated-reporter training (AB 506)",
            "interview": "Interview",
        }[self.value]


REQUIRED_CLEARANCES = tuple(ClearanceKind)


class Mentor(db.Model):
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

    def __repr__(self) -> str:
        return f"<Mentor {self.id}>"

    def current_clearance(self, kind: ClearanceKind) -> Optional["Clearance"]:
        """The latest verified record of a kind, whether or not it has expired."""
        verified = [c for c in self.clearances if c.kind is kind and c.verified_at is not None]
        return max(verified, key=lambda c: c.completed_on, default=None)

    def clearance_problems(self, on: Optional[date] = None) -> list[str]:
        """What keeps this mentor out of matching on a given day; empty when cleared."""
        on = on or date.today()
        problems = []
        if self.status is not MentorStatus.APPROVED:
            problems.append(f"Mentor is {self.status.label.lower()}.")
        for kind in REQUIRED_CLEARANCES:
            record = self.current_clearance(kind)
            if record is None:
                problems.append(f"{kind.label}: no verified record.")
            elif not record.passed:
                problems.append(f"{kind.label}: not passed.")
            elif record.expires_on is not None and record.expires_on < on:
                problems.append(f"{kind.label}: expired {record.expires_on.isoformat()}.")
        return problems

    def is_cleared(self, on: Optional[date] = None) -> bool:
        return not self.clearance_problems(on)

    @property
    def active_matches(self) -> list["Match"]:
        return [m for m in self.matches if m.status in OPEN_MATCH_STATUSES]


class Clearance(db.Model):
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
    reminder_sent_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    mentor: so.Mapped[Mentor] = so.relationship(back_populates="clearances")
    verified_by: so.Mapped[Optional[User]] = so.relationship()

    def is_current(self, on: Optional[date] = None) -> bool:
        on = on or date.today()
        return self.passed and (self.expires_on is None or self.expires_on >= on)


# ---------------------------------------------------------------- matching


class RunStatus(str, enum.Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MatchingRun(db.Model):
    __tablename__ = "matching_runs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    program_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programs.id"), index=True)
    started_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    finished_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    status: so.Mapped[RunStatus] = so.mapped_column(
        _enum(RunStatus, "run_status"), default=RunStatus.RUNNING
    )
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


class ProposalStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    DECLINED_BY_GUARDIAN = "declined_by_guardian"

    @property
    def label(self) -> str:
        return {
            "pending": "Awaiting decision",
            "approved": "Approved",
            "rejected": "Rejected",
            "superseded": "Superseded by a later run",
            "declined_by_guardian": "Declined by the guardian",
        }[self.value]


class MatchProposal(db.Model):
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


class DoNotMatch(db.Model):
    """A pair a coordinator has ruled out; every later run honours it."""

    __tablename__ = "do_not_match"
    __table_args__ = (sa.UniqueConstraint("youth_id", "mentor_id", name="uq_do_not_match"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    youth_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("youth.id", ondelete="CASCADE"), index=True
    )
    mentor_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("mentors.id", ondelete="CASCADE"), index=True
    )
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    youth: so.Mapped[Youth] = so.relationship()
    mentor: so.Mapped[Mentor] = so.relationship()


# ---------------------------------------------------------------- matches and monitoring


class MatchStatus(str, enum.Enum):
    AWAITING_FIRST_MEETING = "awaiting_first_meeting"
    ACTIVE = "active"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "awaiting_first_meeting": "Approved — first meeting to hold",
            "active": "Active",
            "closed": "Closed",
        }[self.value]


OPEN_MATCH_STATUSES = frozenset({MatchStatus.AWAITING_FIRST_MEETING, MatchStatus.ACTIVE})


class ClosureReason(str, enum.Enum):
    MOVED = "moved"
    TIME = "time"
    AGED_OUT = "aged_out"
    MISMATCH = "mismatch"
    SAFETY = "safety"
    PROGRAM_ENDED = "program_ended"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "moved": "Moved away",
            "time": "Lack of time",
            "aged_out": "Youth aged out",
            "mismatch": "Mismatch",
            "safety": "Safety concern",
            "program_ended": "Program ended",
            "other": "Other",
        }[self.value]


class Match(db.Model):
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

    application: so.Mapped[Application] = so.relationship()
    mentor: so.Mapped[Mentor] = so.relationship(back_populates="matches")
    proposal: so.Mapped[Optional[MatchProposal]] = so.relationship()
    approved_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[approved_by_id])
    closed_by: so.Mapped[Optional[User]] = so.relationship(foreign_keys=[closed_by_id])
    check_ins: so.Mapped[list["CheckIn"]] = so.relationship(
        back_populates="match", order_by="CheckIn.occurred_on"
    )

    @property
    def youth(self) -> Youth:
        return self.application.youth


class CheckInParty(str, enum.Enum):
    MENTOR = "mentor"
    YOUTH = "youth"
    GUARDIAN = "guardian"


class ContactMethod(str, enum.Enum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    MESSAGE = "message"


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


def record_audit(
    actor: Optional[User],
    action: str,
    obj: Any,
    before: Optional[dict] = None,
    after: Optional[dict] = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event for a change to `obj`, in the caller's transaction."""
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


# Login sessions live beside the code that checks them; imported so every app knows their table.
import mentormatch.sessions  # noqa: E402,F401
