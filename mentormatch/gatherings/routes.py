"""Event pages: the list and each event with its RSVP (htmx or plain form), managing events,
attendance at the door, a mentor's hours, and the private calendar feed."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from mentormatch.access import is_htmx, login_required, public, roles_required, staff_required
from mentormatch.extensions import db
from mentormatch.gatherings import bp, calendar, hours, service
from mentormatch.gatherings.forms import AttendanceForm, ButtonForm, CancelRsvpForm, GatheringForm, RsvpForm
from mentormatch.links import external_url
from mentormatch.models import Audience, Gathering, GatheringKind, GatheringStatus, Partner, Program, Role, Rsvp
from mentormatch.partners.referrals import liaison_partner
from mentormatch.spreadsheets import csv_response

organizers_required = roles_required(Role.COORDINATOR, Role.ADMIN, Role.PARTNER)
mentor_required = roles_required(Role.MENTOR)


def _user():
    return current_user if current_user.is_authenticated else None


def _visible_or_404(gathering_id: int) -> Gathering:
    gathering = db.get_or_404(Gathering, gathering_id)
    if not service.can_see(gathering, _user()):
        abort(404)
    return gathering


def _managed_or_404(gathering_id: int) -> Gathering:
    gathering = db.get_or_404(Gathering, gathering_id)
    if not service.may_manage(gathering, current_user):
        abort(404)
    return gathering


@bp.app_template_filter("when")
def when(moment: datetime) -> str:
    """An event's day and time in the reader's language (times are kept as wall-clock times)."""
    return format_datetime(moment, "EEE d MMM y, HH:mm")


@bp.route("/")
@public
def index():
    """Upcoming events this visitor may come to, with their own answer to each."""
    gatherings = service.upcoming(_user())
    answers = {}
    if current_user.is_authenticated:
        answers = {r.gathering_id: r for r in db.session.scalars(
            sa.select(Rsvp).where(Rsvp.user_id == current_user.id))}
    return render_template("gatherings/index.html", gatherings=gatherings, answers=answers,
                           may_organize=current_user.is_authenticated and current_user.role in
                           (Role.COORDINATOR, Role.ADMIN, Role.PARTNER))


@bp.route("/<int:gathering_id>")
@public
def show(gathering_id: int):
    """One event: when, where, places left, and the visitor's answer."""
    gathering = _visible_or_404(gathering_id)
    return render_template("gatherings/show.html", **_rsvp_context(gathering))


def _rsvp_context(gathering: Gathering, form: RsvpForm | None = None, problem: str = "") -> dict:
    answer = service.answer_of(gathering, current_user) if current_user.is_authenticated else None
    if form is None:
        form = RsvpForm(formdata=None, guests=answer.guests if answer else 0)
    return {"gathering": gathering, "answer": answer, "form": form, "cancel_form": CancelRsvpForm(formdata=None),
            "places_left": service.places_left(gathering), "problem": problem,
            "family": current_user.is_authenticated and current_user.role in service.FAMILY,
            "may_manage": service.may_manage(gathering, _user())}


def _rsvp_response(gathering: Gathering, status: int = 200, **context):
    if is_htmx():
        return render_template("gatherings/_rsvp.html", **_rsvp_context(gathering, **context)), status
    if status == 200:
        return redirect(url_for("gatherings.show", gathering_id=gathering.id))
    return render_template("gatherings/show.html", **_rsvp_context(gathering, **context)), status


PROBLEMS = {
    "closed": lambda: _("This event is no longer taking answers."),
    "guests": lambda: _("Up to %(n)s guests.", n=service.MAX_GUESTS),
    "no_room_for_guests": lambda: _("There is no room for more guests. Your place is kept as it was."),
}


@bp.route("/<int:gathering_id>/rsvp", methods=["POST"])
@login_required
def respond(gathering_id: int):
    """Say "I'm coming", with guests for a family: a place if there is room, else the waitlist."""
    gathering = _visible_or_404(gathering_id)
    form = RsvpForm()
    if not form.validate_on_submit():
        return _rsvp_response(gathering, 422, form=form)
    try:
        rsvp = service.respond(gathering, current_user, form.guests.data or 0)
    except service.RsvpRefused as refused:
        return _rsvp_response(db.session.get(Gathering, gathering_id), 422, form=form, problem=PROBLEMS[str(refused)]())
    if not is_htmx():
        flash(_("You have a place.") if rsvp.status.value == "going" else
              _("The event is full: you are on the waitlist. We e-mail you if a place frees up."), "success")
    return _rsvp_response(gathering)


@bp.route("/<int:gathering_id>/rsvp/cancel", methods=["POST"])
@login_required
def cancel_response(gathering_id: int):
    """Not coming after all; the place goes to the waitlist."""
    gathering = _visible_or_404(gathering_id)
    answer = service.answer_of(gathering, current_user)
    if answer is None:
        abort(404)
    if CancelRsvpForm().validate_on_submit():
        service.cancel_answer(answer, current_user)
        if not is_htmx():
            flash(_("Your answer is cancelled."), "success")
    return _rsvp_response(gathering)


# ---------------------------------------------------------------- organizing


@bp.route("/manage")
@organizers_required
def manage():
    """The events this person organizes: drafts, published and cancelled."""
    return render_template("gatherings/manage.html", gatherings=service.managed_by(current_user), button=ButtonForm())


def _gathering_form(gathering: Gathering) -> GatheringForm:
    form = GatheringForm(obj=gathering) if request.method == "GET" else GatheringForm()
    programs = db.session.scalars(sa.select(Program).where(Program.is_active).order_by(Program.name))
    form.program_id.choices = [(0, "None")] + [(p.id, p.name) for p in programs]
    partners = db.session.scalars(sa.select(Partner).where(Partner.is_active).order_by(Partner.name))
    form.partner_id.choices = [(0, "None")] + [(p.id, p.name) for p in partners]
    if request.method == "GET":
        if gathering.starts_at is not None:
            form.day.data, form.starts.data = gathering.starts_at.date(), gathering.starts_at.time()
            form.ends.data = gathering.ends_at.time()
        form.kind.data = (gathering.kind or GatheringKind.COFFEE_WITH_A_COP).value
        form.audience.data = (gathering.audience or Audience.PUBLIC).value
        form.program_id.data, form.partner_id.data = gathering.program_id or 0, gathering.partner_id or 0
    return form


def _edit(gathering: Gathering):
    form = _gathering_form(gathering)
    if form.validate_on_submit():
        service.save(gathering, current_user, title=form.title.data.strip(), kind=GatheringKind(form.kind.data),
                     description=(form.description.data or "").strip(),
                     starts_at=datetime.combine(form.day.data, form.starts.data, tzinfo=timezone.utc),
                     ends_at=datetime.combine(form.day.data, form.ends.data, tzinfo=timezone.utc),
                     place=form.place.data.strip(), capacity=form.capacity.data,
                     audience=Audience(form.audience.data), program_id=form.program_id.data or None,
                     partner_id=form.partner_id.data or None)
        flash(f"Saved “{gathering.title}”.", "success")
        return redirect(url_for("gatherings.manage"))
    return render_template("gatherings/form.html", form=form, gathering=gathering,
                           partner_fixed=current_user.role is Role.PARTNER), 422 if form.errors else 200


@bp.route("/new", methods=["GET", "POST"])
@organizers_required
def create():
    """A new event, saved as a draft; a liaison's is co-hosted by their organization."""
    if current_user.role is Role.PARTNER:
        partner = liaison_partner(current_user)
        if partner is None or not partner.is_active:
            abort(403)
    return _edit(Gathering())


@bp.route("/<int:gathering_id>/edit", methods=["GET", "POST"])
@organizers_required
def edit(gathering_id: int):
    """Change an event's details."""
    return _edit(_managed_or_404(gathering_id))


@bp.route("/<int:gathering_id>/publish", methods=["POST"])
@organizers_required
def publish(gathering_id: int):
    """Publish a draft: it appears to its audience (public ones on the front page)."""
    gathering = _managed_or_404(gathering_id)
    if ButtonForm().validate_on_submit() and gathering.status is GatheringStatus.DRAFT:
        service.publish(gathering, current_user)
        flash(f"“{gathering.title}” is published.", "success")
    return redirect(url_for("gatherings.manage"))


@bp.route("/<int:gathering_id>/cancel", methods=["POST"])
@organizers_required
def cancel(gathering_id: int):
    """Cancel an event; everyone who answered is e-mailed."""
    gathering = _managed_or_404(gathering_id)
    if ButtonForm().validate_on_submit() and gathering.status is not GatheringStatus.CANCELLED:
        service.cancel(gathering, current_user)
        flash(f"“{gathering.title}” is cancelled; everyone who answered is told.", "success")
    return redirect(url_for("gatherings.manage"))


@bp.route("/<int:gathering_id>/attendance")
@organizers_required
def attendance(gathering_id: int):
    """The list at the door: one tap per person who said they would come."""
    gathering = _managed_or_404(gathering_id)
    return render_template("gatherings/attendance.html", gathering=gathering, rows=_door_list(gathering),
                           form=AttendanceForm())


def _door_list(gathering: Gathering) -> list[Rsvp]:
    return sorted((r for r in gathering.rsvps if r.status.value != "cancelled" or r.attended_at),
                  key=lambda r: (r.user.last_name.lower(), r.user.first_name.lower()))


@bp.route("/<int:gathering_id>/attendance/<int:rsvp_id>", methods=["POST"])
@organizers_required
def mark(gathering_id: int, rsvp_id: int):
    """Check one person in, or undo a wrong tap; htmx swaps just their row."""
    gathering = _managed_or_404(gathering_id)
    rsvp = db.get_or_404(Rsvp, rsvp_id)
    if rsvp.gathering_id != gathering.id:
        abort(404)
    form = AttendanceForm()
    if form.validate_on_submit():
        service.mark_attendance(rsvp, current_user, form.attended.data == "1")
    if is_htmx():
        return render_template("gatherings/_attendance_row.html", gathering=gathering, rsvp=rsvp, form=AttendanceForm())
    return redirect(url_for("gatherings.attendance", gathering_id=gathering.id) + f"#rsvp-{rsvp.id}")


# ---------------------------------------------------------------- volunteer hours


def _own_mentor():
    if current_user.mentor is None:
        abort(404)
    return current_user.mentor


@bp.route("/hours")
@mentor_required
def my_hours():
    """A mentor's volunteer hours: events attended and meetings logged."""
    lines = hours.for_mentor(_own_mentor())
    return render_template("gatherings/hours.html", lines=lines, total=hours.total(lines),
                           meeting_hours=hours.meeting_hours())


@bp.route("/hours.csv")
@mentor_required
def my_hours_csv():
    """The same hours as a CSV file."""
    lines = hours.for_mentor(_own_mentor())
    return csv_response("volunteer-hours.csv", ["date", "what", "kind", "program", "hours"],
                        [[l.on.isoformat(), l.what, l.kind, l.program, l.hours] for l in lines]
                        + [["", "Total", "", "", hours.total(lines)]])


@bp.route("/hours/report")
@staff_required
def hours_report():
    """Volunteer hours per program and per agency."""
    per_program, per_agency = hours.totals()
    return render_template("gatherings/hours_report.html", per_program=per_program, per_agency=per_agency,
                           meeting_hours=hours.meeting_hours())


@bp.route("/hours/report.csv")
@staff_required
def hours_report_csv():
    """Volunteer hours per program and per agency, as CSV."""
    per_program, per_agency = hours.totals()
    return csv_response("volunteer-hours-totals.csv", ["by", "name", "hours"],
                        [["program", n, h] for n, h in per_program] + [["agency", n, h] for n, h in per_agency])


# ---------------------------------------------------------------- the calendar feed


@bp.route("/calendar")
@login_required
def calendar_page():
    """The private calendar address: how to subscribe, and making a new one."""
    return render_template("gatherings/calendar.html", has_feed=calendar.has_feed(current_user), address=None,
                           form=ButtonForm())


@bp.route("/calendar", methods=["POST"])
@login_required
def reset_calendar():
    """Make a new private address; the old one stops working. Shown this once."""
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("gatherings.calendar_page"))
    raw = calendar.issue(current_user)
    return render_template("gatherings/calendar.html", has_feed=True, form=ButtonForm(),
                           address=external_url("gatherings.feed", token=raw))


@bp.route("/calendar/<token>.ics")
@public
def feed(token: str):
    """The calendar feed itself, for a calendar program to fetch."""
    user = calendar.owner(token)
    if user is None:
        abort(404)
    body = calendar.feed(user, request.host)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, no-store"})
