"""Mentor views: the profile and the clearance records."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mentormatch.access import roles_required
from mentormatch.extensions import db
from mentormatch.family.vocabulary import DAYS, PARTS_OF_DAY
from mentormatch.mentors import bp
from mentormatch.mentors.clearances import clearance_states, next_to_record, record_clearance, save_profile
from mentormatch.mentors.forms import ClearanceForm, ProfileForm
from mentormatch.models import ClearanceKind, Mentor, MentorStatus, Program, Role

mentor_required = roles_required(Role.MENTOR)
PROFILE_FIELDS = ("agency", "unit", "badge_number", "years_of_service", "youth_experience_years", "work_email",
                  "work_phone", "bio", "interests", "languages", "gender", "zip_code", "availability", "capacity")


def get_own_mentor_or_404() -> Mentor:
    """The logged-in mentor's own record; a mentor sees no one else's."""
    mentor = current_user.mentor
    if mentor is None:
        abort(404)
    return mentor


def _active_programs() -> list[Program]:
    return list(db.session.scalars(sa.select(Program).where(Program.is_active).order_by(Program.name)))


@bp.route("/profile", methods=["GET", "POST"])
@mentor_required
def profile():
    """Fill in or update the profile the matching uses."""
    mentor = get_own_mentor_or_404()
    form = ProfileForm(obj=mentor) if request.method == "GET" else ProfileForm()
    form.programs.choices = [(p.id, p.name) for p in _active_programs()]
    if request.method == "GET":
        form.programs.data = [p.id for p in mentor.programs]
    if form.validate_on_submit():
        _save_profile(mentor, form)
        flash("Your profile is saved.", "success")
        return redirect(url_for("mentors.clearances"))
    return render_template("mentors/profile.html", form=form, mentor=mentor, days=DAYS, parts=PARTS_OF_DAY), \
        422 if form.errors else 200


def _save_profile(mentor: Mentor, form: ProfileForm) -> None:
    values = {}
    for name in PROFILE_FIELDS:
        value = getattr(form, name).data
        if isinstance(value, str):
            value = value.strip()
        elif value is None and isinstance(getattr(mentor, name), str):
            value = ""
        if isinstance(value, Decimal):
            value = float(value)
        values[name] = value
    values["work_email"] = (values["work_email"] or "").lower() or None
    values["work_phone"] = values["work_phone"] or None
    chosen = set(form.programs.data)
    save_profile(mentor, current_user, values, [p for p in _active_programs() if p.id in chosen])


@bp.route("/clearances", methods=["GET", "POST"])
@mentor_required
def clearances():
    """See what is missing, unverified, expiring or lapsed, and record a new clearance."""
    mentor = get_own_mentor_or_404()
    suggested = next_to_record(mentor)
    form = ClearanceForm(kind=request.args.get("kind") or (suggested.value if suggested else None))
    if form.validate_on_submit():
        kind = ClearanceKind(form.kind.data)
        record_clearance(mentor, current_user, kind, form.completed_on.data, form.expires_on.data,
                         form.reference.data or "")
        flash(f"{kind.label} recorded. A coordinator will verify it.", "success")
        following = next_to_record(mentor, after=kind)
        return redirect(url_for("mentors.clearances", kind=following.value if following else None))
    return render_template(
        "mentors/clearances.html", form=form, mentor=mentor, states=clearance_states(mentor),
        approved=mentor.status is MentorStatus.APPROVED,
    ), 422 if form.errors else 200
