"""Staff pages for one match, the overdue lists, and the mentor's meeting log."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from mentormatch import cadence
from mentormatch.access import is_htmx, roles_required, staff_required
from mentormatch.extensions import db
from mentormatch.coordinator.forms import ResumeMatchForm
from mentormatch.lifecycle import actions, bp
from mentormatch.lifecycle.forms import (
    CONTACT_RULES,
    CheckInForm,
    ClosureForm,
    CommitmentForm,
    FirstMeetingForm,
    MeetingHeldForm,
    MeetingPlanForm,
    MentorMeetingForm,
    ResolveConcernForm,
)
from mentormatch.lifecycle.queries import (
    dashboard_alerts,
    get_match_or_404,
    get_own_match_or_404,
    group_overdue,
    open_matches,
    staff_members,
)
from mentormatch.models import (
    CheckIn,
    CheckInParty,
    ClosureReason,
    ContactMethod,
    MatchStatus,
    Role,
    User,
    record_read,
)
from mentormatch.redirects import safe_next


def _first_meeting_form(match, formdata=None) -> FirstMeetingForm:
    form = FirstMeetingForm(formdata=formdata, minor=match.youth.is_minor())
    form.staff_member.choices = [(str(u.id), u.full_name) for u in staff_members()]
    if formdata is None:
        if match.first_meeting_at:
            form.day.data, form.at.data = match.first_meeting_at.date(), match.first_meeting_at.time()
        form.place.data = match.first_meeting_place
        form.staff_member.data = str(current_user.id)
        guardian = match.youth.guardian
        form.guardian_name.data = guardian.full_name if guardian and match.youth.is_minor() else ""
    return form


def _page(match, **forms):
    """The match page with any form that failed validation kept as typed; every showing is audited."""
    youth, mentor = match.youth, match.mentor.user
    defaults = {
        "meeting_form": _first_meeting_form(match),
        # The scheduled day once it has come; before it, today (a date held cannot be in the future).
        "held_form": MeetingHeldForm(held_on=min(match.first_meeting_at.date(), date.today())
                                     if match.first_meeting_at else date.today()),
        "commitment_form": CommitmentForm(minor=match.youth.is_minor(), mentor_name=mentor.full_name,
                                          youth_name=youth.full_name, staff_name=current_user.full_name,
                                          guardian_name=youth.guardian.full_name if youth.guardian and match.youth.is_minor() else "",
                                          signed_on=date.today()),
        "plan_form": MeetingPlanForm(meeting_plan=match.meeting_plan),
        "resolve_form": ResolveConcernForm(),
        "resume_form": ResumeMatchForm(),
    }
    defaults.update(forms)
    page = render_template("lifecycle/match.html", match=match, minor=match.youth.is_minor(),
                           cadence=cadence.for_match(match, date.today(), horizon_days=31),
                           **defaults)
    # The page is the youth's case record (check-in and exit notes, the family's names), so staff
    # reading it is audited; committed after rendering, which leaves the rows loaded for the page loaded.
    record_read(current_user, "match.view", match)
    db.session.commit()
    return page


@bp.route("/")
@staff_required
def index():
    """Open matches with their check-ins: overdue per coordinator and per program, and those at risk."""
    watches = open_matches()
    by_coordinator, by_program = group_overdue(watches)
    return render_template("lifecycle/index.html", watches=watches, by_coordinator=by_coordinator,
                           by_program=by_program, at_risk=[w for w in watches if w.cadence.at_risk])


@bp.route("/<int:match_id>")
@staff_required
def show(match_id: int):
    """One match: first meeting, commitment, plan, check-ins and closure."""
    return _page(get_match_or_404(match_id))


@bp.route("/<int:match_id>/first-meeting", methods=["POST"])
@staff_required
def schedule_first_meeting(match_id: int):
    """Set the first meeting's date, place and who attends."""
    match = get_match_or_404(match_id)
    form = _first_meeting_form(match, formdata=request.form)
    if match.status is not MatchStatus.AWAITING_FIRST_MEETING:
        flash("The first meeting is already held.", "info")
    elif form.validate():
        at = datetime.combine(form.day.data, form.at.data, tzinfo=timezone.utc)
        staff = db.get_or_404(User, int(form.staff_member.data))
        actions.schedule_first_meeting(match, current_user, at, form.place.data, staff,
                                       form.guardian_name.data or "", form.others.data or "")
        flash("First meeting saved.", "success")
    else:
        return _page(match, meeting_form=form), 422
    return redirect(url_for("lifecycle.show", match_id=match.id))


@bp.route("/<int:match_id>/first-meeting/held", methods=["POST"])
@staff_required
def record_meeting_held(match_id: int):
    """Record that the first meeting took place."""
    match = get_match_or_404(match_id)
    form = MeetingHeldForm()
    if match.first_meeting_at is None:
        flash("Schedule the first meeting first.", "error")
    elif form.validate_on_submit():
        actions.record_meeting_held(match, current_user, form.held_on.data)
        flash(_progress_message(match), "success")
    else:
        return _page(match, held_form=form), 422
    return redirect(url_for("lifecycle.show", match_id=match.id))


@bp.route("/<int:match_id>/commitment", methods=["POST"])
@staff_required
def record_commitment(match_id: int):
    """Record the signed commitment with everyone's typed name."""
    match = get_match_or_404(match_id)
    form = CommitmentForm(minor=match.youth.is_minor())
    if not form.validate_on_submit():
        return _page(match, commitment_form=form), 422
    signatures = {"mentor": form.mentor_name.data, "youth": form.youth_name.data,
                  "guardian": form.guardian_name.data or "", "staff": form.staff_name.data}
    actions.record_commitment(match, current_user, signatures, form.signed_on.data)
    flash(_progress_message(match), "success")
    return redirect(url_for("lifecycle.show", match_id=match.id))


def _progress_message(match) -> str:
    if match.status is MatchStatus.ACTIVE:
        return "The match is active."
    if match.first_meeting_held_at is None:
        return "Saved. The match becomes active once the first meeting is held."
    return "Saved. The match becomes active once the commitment is signed."


@bp.route("/<int:match_id>/plan", methods=["POST"])
@staff_required
def update_plan(match_id: int):
    """Change the meeting plan the mentor and family see."""
    match = get_match_or_404(match_id)
    form = MeetingPlanForm()
    saved = form.validate_on_submit()
    if saved:
        actions.update_meeting_plan(match, current_user, form.meeting_plan.data or "")
    if is_htmx():
        return render_template("lifecycle/_plan.html", match=match, plan_form=form, saved=saved)
    if not saved:
        return _page(match, plan_form=form), 422
    flash("Meeting plan saved.", "success")
    return redirect(url_for("lifecycle.show", match_id=match.id))


@bp.route("/<int:match_id>/check-ins/new", methods=["GET", "POST"])
@staff_required
def log_check_in(match_id: int):
    """Log a support check-in with the mentor, the youth or the guardian."""
    match = get_match_or_404(match_id)
    if match.status is MatchStatus.CLOSED:
        flash("This match is closed; its check-ins are history.", "info")
        return redirect(url_for("lifecycle.show", match_id=match.id))
    form = CheckInForm(occurred_on=date.today()) if request.method == "GET" else CheckInForm()
    if form.validate_on_submit():
        quality = int(form.relationship_quality.data) if form.relationship_quality.data else None
        actions.log_check_in(
            match, current_user, occurred_on=form.occurred_on.data, party=CheckInParty(form.party.data),
            method=ContactMethod(form.method.data), meetings_per_month=form.meetings_per_month.data,
            relationship_quality=quality, safety_concern=form.safety_concern.data, notes=form.notes.data or "",
        )
        flash("Check-in logged." + (" The safety concern is on the dashboard." if form.safety_concern.data else ""),
              "warning" if form.safety_concern.data else "success")
        return redirect(url_for("lifecycle.show", match_id=match.id))
    return render_template("lifecycle/check_in.html", match=match, form=form), 422 if form.errors else 200


@bp.route("/check-ins/<int:check_in_id>/resolve", methods=["POST"])
@staff_required
def resolve_concern(check_in_id: int):
    """Mark a safety concern as dealt with."""
    check_in = db.get_or_404(CheckIn, check_in_id)
    if ResolveConcernForm().validate_on_submit() and check_in.safety_concern and check_in.safety_resolved_at is None:
        actions.resolve_concern(check_in, current_user)
    if is_htmx():
        return render_template("lifecycle/_dashboard_alerts.html", alerts=dashboard_alerts())
    flash("Safety concern marked resolved.", "success")
    return redirect(safe_next(request.form.get("next"))
                    or url_for("lifecycle.show", match_id=check_in.match_id))


@bp.route("/<int:match_id>/close", methods=["GET", "POST"])
@staff_required
def close(match_id: int):
    """Close a match with its reason, exit notes, rematch choice and contact rule."""
    match = get_match_or_404(match_id)
    if match.status is MatchStatus.CLOSED:
        flash("This match is already closed.", "info")
        return redirect(url_for("lifecycle.show", match_id=match.id))
    form = ClosureForm()
    if form.validate_on_submit():
        actions.close(
            match, current_user, planned=form.planned.data == "yes", reason=ClosureReason(form.reason.data),
            notes={"mentor": form.mentor_notes.data or "", "youth": form.youth_notes.data or "",
                   "guardian": form.guardian_notes.data or ""},
            rematch=form.rematch.data == "yes", contact_rule=dict(CONTACT_RULES)[form.contact_rule.data],
        )
        flash("Match closed." + (" The youth is back on the waitlist." if match.rematch else ""), "success")
        return redirect(url_for("lifecycle.show", match_id=match.id))
    return render_template("lifecycle/close.html", match=match, form=form), 422 if form.errors else 200


@bp.route("/<int:match_id>/resume", methods=["POST"])
@staff_required
def resume(match_id: int):
    """Let a paused match go on once its consent and its mentor are in order again."""
    match = get_match_or_404(match_id)
    form = ResumeMatchForm()
    if not form.validate_on_submit():
        return _page(match, resume_form=form), 422
    problem = actions.resume_problem(match)
    if problem:
        form.note.errors.append(problem)
        return _page(match, resume_form=form), 422
    actions.resume_match(match, current_user, form.note.data.strip())
    flash("The match goes on; the mentor is told.", "success")
    return redirect(url_for("lifecycle.show", match_id=match.id))


@bp.route("/<int:match_id>/meetings/new", methods=["GET", "POST"])
@roles_required(Role.MENTOR)
def log_meeting(match_id: int):
    """A mentor logs a meeting with their own mentee, while the match may be worked in."""
    match = get_own_match_or_404(match_id)
    if not match.contact_allowed:
        if not match.family_accepted and match.status is MatchStatus.AWAITING_FIRST_MEETING:
            flash(_("The family has not accepted the match yet, so there is no meeting to log."), "info")
        else:
            flash(_("This match is on hold: a coordinator will be in touch. Meetings cannot be logged meanwhile."),
                  "info")
        return redirect(url_for("main.home"))
    form = MentorMeetingForm(occurred_on=date.today()) if request.method == "GET" else MentorMeetingForm()
    if form.validate_on_submit():
        actions.log_check_in(match, current_user, occurred_on=form.occurred_on.data, party=CheckInParty.MENTOR,
                             method=ContactMethod(form.method.data), is_mentor_meeting=True,
                             safety_concern=form.safety_concern.data, notes=form.notes.data or "")
        flash(_("Meeting logged. Thank you."), "success")
        return redirect(url_for("main.home"))
    meetings = [c for c in match.check_ins if c.is_mentor_meeting]
    return render_template("lifecycle/meeting.html", match=match, form=form, meetings=meetings), 422 if form.errors else 200
