"""Administration views."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mentormatch import retention
from mentormatch.access import admin_required
from mentormatch.admin import bp
from mentormatch.admin.forms import AnonymiseForm, ProgramForm, StaffActiveForm, StaffForm
from mentormatch.extensions import db
from mentormatch.models import ContactPolicy, MatchFormat, Program, ProgramKind, Role, User, record_audit, utcnow

PROGRAM_FIELDS = (
    "name", "slug", "description", "parent_information", "description_es", "parent_information_es",
    "min_age", "max_age",
    "min_grade_completed", "grade_rule_until_age", "default_capacity",
    "checkins_first_month", "checkin_interval_days", "retention_years", "is_active",
)


def _program_snapshot(program: Program) -> dict:
    data = {name: getattr(program, name) for name in PROGRAM_FIELDS
            if name not in ("parent_information", "parent_information_es")}
    data["kind"] = program.kind.value if program.kind else None
    data["contact_policy"] = program.contact_policy.value if program.contact_policy else None
    data["match_format"] = program.match_format.value if program.match_format else None
    return data


@bp.route("/programs")
@admin_required
def programs():
    """All programs with their rules, and how many records the retention job would anonymise now."""
    rows = db.session.scalars(sa.select(Program).order_by(Program.name))
    return render_template("admin/programs.html", programs=list(rows), due=retention.preview(),
                           form=AnonymiseForm())


@bp.route("/retention/run", methods=["POST"])
@admin_required
def run_retention():
    """Anonymise now what the daily job would: the records past their program's retention period."""
    if AnonymiseForm().validate_on_submit():
        done = retention.anonymise_due(actor=current_user)
        flash(f"{done} young people's records anonymised.", "success")
    return redirect(url_for("admin.programs"))


@bp.route("/programs/new", methods=["GET", "POST"])
@admin_required
def create_program():
    """Add a program."""
    return _edit_program(Program(is_active=True, default_capacity=2, checkins_first_month=2,
                                 checkin_interval_days=30, retention_years=retention.DEFAULT_YEARS), new=True)


@bp.route("/programs/<int:program_id>", methods=["GET", "POST"])
@admin_required
def update_program(program_id: int):
    """Change a program's rules."""
    return _edit_program(db.get_or_404(Program, program_id), new=False)


def _edit_program(program: Program, new: bool):
    form = ProgramForm(obj=program)
    if not form.is_submitted():
        form.kind.data = program.kind.value if program.kind else ProgramKind.EXPLORING.value
        form.match_format.data = (program.match_format or MatchFormat.ONE_TO_ONE).value
    if not form.is_submitted() or "contact_policy" not in request.form:
        # Shown as its value; a form sent from a page older than the setting keeps the program's policy.
        form.contact_policy.data = (program.contact_policy or ContactPolicy.WORK).value
    if form.validate_on_submit():
        clash = db.session.scalar(
            sa.select(Program).where(
                sa.or_(Program.name == form.name.data.strip(), Program.slug == form.slug.data),
                Program.id != (program.id or 0),
            )
        )
        if clash is not None:
            form.name.errors.append("Another program already has this name or short name.")
        else:
            before = None if new else _program_snapshot(program)
            for name in PROGRAM_FIELDS:
                setattr(program, name, getattr(form, name).data)
            program.name = program.name.strip()
            program.kind = ProgramKind(form.kind.data)
            program.match_format = MatchFormat(form.match_format.data)
            program.contact_policy = ContactPolicy(form.contact_policy.data)
            db.session.add(program)
            record_audit(current_user, "program.create" if new else "program.update", program,
                         before=before, after=_program_snapshot(program))
            db.session.commit()
            flash(f"Saved {program.name}.", "success")
            return redirect(url_for("admin.programs"))
    return render_template("admin/program_form.html", form=form, program=program, new=new)


@bp.route("/staff", methods=["GET", "POST"])
@admin_required
def staff():
    """Coordinator and administrator accounts; create a new one."""
    form = StaffForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.scalar(sa.select(User).where(User.email == email)) is not None:
            form.email.errors.append("An account with this e-mail already exists.")
        else:
            user = User(email=email, role=Role(form.role.data), first_name=form.first_name.data.strip(),
                        last_name=form.last_name.data.strip(), email_confirmed_at=utcnow())
            user.set_password(form.password.data)
            db.session.add(user)
            record_audit(current_user, "staff.create", user, role=user.role.value)
            db.session.commit()
            flash(f"Created {user.role.label.lower()} account for {user.full_name}.", "success")
            return redirect(url_for("admin.staff"))
    people = db.session.scalars(
        sa.select(User).where(User.role.in_([Role.COORDINATOR, Role.ADMIN])).order_by(User.last_name)
    )
    return render_template("admin/staff.html", form=form, people=list(people),
                           toggle_form=StaffActiveForm())


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_staff(user_id: int):
    """Suspend or restore a staff account."""
    user = db.get_or_404(User, user_id)
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        abort(404)
    if StaffActiveForm().validate_on_submit():
        if user.id == current_user.id:
            flash("You cannot suspend your own account.", "error")
        else:
            user.is_active_account = not user.is_active_account
            user.session_version += 1
            record_audit(current_user, "staff.active", user, after={"active": user.is_active_account})
            db.session.commit()
            flash(f"{user.full_name} is now {'active' if user.is_active_account else 'suspended'}.",
                  "success")
    return redirect(url_for("admin.staff"))
