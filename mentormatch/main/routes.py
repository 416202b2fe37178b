"""Front page and home pages."""
from __future__ import annotations

import functools
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user

from mentormatch import events, figures, mail
from mentormatch.access import login_required, public
from mentormatch.contact import family_contact_for_mentor
from mentormatch.coordinator import queries as coordinator_queries
from mentormatch.coordinator.forms import RetryMessageForm
from mentormatch.extensions import db
from mentormatch.lifecycle.queries import dashboard_alerts
from mentormatch.gatherings import service as gathering_service
from mentormatch.main import bp
from mentormatch.stories import service as story_service
from mentormatch.partners import routes as partner_routes
from mentormatch.partners import stages as partner_stages
from mentormatch.models import (
    Application,
    ApplicationStatus,
    Clearance,
    DomainEvent,
    Match,
    MatchProposal,
    MatchStatus,
    Mentor,
    MentorStatus,
    MessageStatus,
    OPEN_MATCH_STATUSES,
    OutboxMessage,
    Program,
    ProposalStatus,
    Role,
    User,
    Youth,
)


# Built once, as several pages run it on every view: a statement keeps its cache key.
_ACTIVE_PROGRAMS = sa.select(Program).where(Program.is_active).order_by(Program.name)


def active_programs() -> list[Program]:
    return list(db.session.scalars(_ACTIVE_PROGRAMS))


@bp.route("/")
@public
def index():
    """The public front page: what the programs are and who may join."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("main/index.html", programs=active_programs(),
                           public_events=gathering_service.upcoming(None, limit=3),
                           public_stories=story_service.published(limit=3))


@bp.route("/programs/<slug>")
@public
def program(slug: str):
    """One program for anyone to read: who may join, what parents should know, and its contact rules."""
    program = db.first_or_404(sa.select(Program).where(Program.slug == slug, Program.is_active))
    return render_template("main/program.html", program=program)


@bp.route("/favicon.ico")
@public
def favicon():
    """The icon browsers ask for at the site's root when a page names none (a downloaded file, say)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


@bp.route("/home")
@login_required
def home():
    """Each role's own home page."""
    view = {
        Role.GUARDIAN: _guardian_home,
        Role.YOUTH: _youth_home,
        Role.MENTOR: _mentor_home,
        Role.COORDINATOR: _staff_home,
        Role.ADMIN: _staff_home,
        Role.PARTNER: partner_routes.list_referrals,
    }[current_user.role]
    return view()


def _family_applications(youth_ids: list[int]) -> list[Application]:
    if not youth_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.youth_id.in_(youth_ids))
            .options(so.selectinload(Application.program))
            .order_by(Application.created_at.desc())
        )
    )


def _guardian_home():
    children = list(
        db.session.scalars(
            sa.select(Youth)
            .where(Youth.guardian_id == current_user.id, Youth.anonymised_at.is_(None))
            .order_by(Youth.first_name)
        )
    )
    applications = _family_applications([c.id for c in children])
    by_child = {c.id: [a for a in applications if a.youth_id == c.id] for c in children}
    return render_template(
        "main/home_guardian.html", children=children, by_child=by_child, programs=active_programs()
    )


def _youth_home():
    youth = current_user.own_youth
    applications = _family_applications([youth.id] if youth else [])
    return render_template(
        "main/home_youth.html", youth=youth, applications=applications, programs=active_programs()
    )


def _mentor_home():
    mentor = current_user.mentor
    matches = []
    if mentor is not None:
        matches = list(
            db.session.scalars(
                sa.select(Match)
                .where(Match.mentor_id == mentor.id, Match.status.in_(OPEN_MATCH_STATUSES))
                .options(
                    so.selectinload(Match.application).selectinload(Application.youth)
                    .selectinload(Youth.guardian),
                    so.selectinload(Match.application).selectinload(Application.program),
                    so.selectinload(Match.application).selectinload(Application.consents),
                )
                .order_by(Match.approved_at)
            )
        )
    return render_template(
        "main/home_mentor.html",
        mentor=mentor,
        missing=mentor.missing_clearances() if mentor else [],
        matches=matches,
        family_contact=family_contact_for_mentor,
    )


@functools.cache
def _staff_counts_statement():
    """The dashboard's work counts as one statement, built once (`today` and `soon` are bound per call)."""

    def count(column, *where):
        return sa.select(sa.func.count(column)).where(*where).scalar_subquery()

    expiring = (
        sa.select(sa.func.count(sa.distinct(Clearance.mentor_id)))
        .join(Mentor)
        .where(
            Mentor.status == MentorStatus.APPROVED,
            Clearance.verified_at.is_not(None),
            Clearance.expires_on.between(sa.bindparam("today", type_=sa.Date), sa.bindparam("soon", type_=sa.Date)),
        )
        .scalar_subquery()
    )
    columns = {
        "to_review": count(Application.id, Application.status == ApplicationStatus.UNDER_REVIEW),
        "consent_missing": count(Application.id, Application.status == ApplicationStatus.AWAITING_CONSENT),
        "mentors_waiting": count(Mentor.id, Mentor.status == MentorStatus.APPLIED),
        "expiring": expiring,
        "proposals_pending": count(MatchProposal.id, MatchProposal.status == ProposalStatus.PENDING),
        "guardian_declines": count(MatchProposal.id, MatchProposal.status == ProposalStatus.DECLINED_BY_GUARDIAN),
        "waitlisted": count(Application.id, Application.status == ApplicationStatus.WAITLISTED),
        "active_matches": count(Match.id, Match.status.in_(OPEN_MATCH_STATUSES)),
        "paused_matches": count(Match.id, Match.status == MatchStatus.PAUSED),
        "failed_messages": count(OutboxMessage.id, OutboxMessage.status == MessageStatus.FAILED),
        "stuck_events": count(DomainEvent.id, DomainEvent.dispatched_at.is_(None),
                              DomainEvent.attempts >= events.MAX_ATTEMPTS),
    }
    return sa.select(*(c.label(name) for name, c in columns.items()))


def _staff_counts(today: date) -> dict[str, int]:
    row = db.session.execute(_staff_counts_statement(),
                             {"today": today, "soon": today + timedelta(days=30)}).one()
    return {name: value or 0 for name, value in row._mapping.items()}


def _staff_home():
    counts = figures.cached("work counts", _staff_counts, date.today())
    staff = []
    if current_user.role is Role.ADMIN:
        staff = list(
            db.session.scalars(
                sa.select(User)
                .where(User.role.in_([Role.COORDINATOR, Role.ADMIN]))
                .order_by(User.last_name)
            )
        )
    return render_template(
        "main/home_staff.html", counts=counts, programs=active_programs(), staff=staff,
        at_risk=coordinator_queries.at_risk_matches(), declines=coordinator_queries.guardian_declines(),
        alerts=dashboard_alerts(),
        # Nearly always empty: listed only when the cached counts say there is something to list.
        paused=coordinator_queries.paused_matches() if counts["paused_matches"] else [],
        failed_messages=mail.failed_messages() if counts["failed_messages"] else [],
        stuck_events=events.stuck_events() if counts["stuck_events"] else [], retry_form=RetryMessageForm(),
        referrals_waiting=partner_stages.waiting_for_family(),
    )
