"""Family views: add a child, the five-step application, consent, status, and data rights."""
from __future__ import annotations

import json

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from mentormatch.access import is_htmx, public, roles_required
from mentormatch.extensions import db
from mentormatch.family import bp, journey
from mentormatch.contact import mentor_contact_for_family
from mentormatch.family.forms import (
    AboutForm,
    AcceptMentorForm,
    AdultSubmitForm,
    AvailabilityForm,
    ChildForm,
    ConsentAgainForm,
    ConsentByLinkForm,
    DeclineMentorForm,
    DeleteDataForm,
    GuardianSubmitForm,
    InterestsForm,
    PreferencesForm,
    ResendConsentForm,
    StartForm,
    WithdrawConsentForm,
    WithdrawForm,
    YouthSubmitForm,
)
from mentormatch.family.vocabulary import DAYS, PARTS_OF_DAY, interest_label, language_label
from mentormatch.models import (
    AccessToken,
    Application,
    ApplicationStatus,
    Program,
    Role,
    TokenPurpose,
    record_read,
)

family_required = roles_required(Role.GUARDIAN, Role.YOUTH)
guardian_required = roles_required(Role.GUARDIAN)

STEP_FORMS = {1: AboutForm, 2: InterestsForm, 3: AvailabilityForm, 4: PreferencesForm}
STEP_FIELDS = {
    1: ("first_name", "last_name", "date_of_birth", "grade_completed", "school", "zip_code", "gender", "languages"),
    2: ("interests", "goals"),
    3: ("availability",),
    4: ("mentor_gender_preference", "required_language", "max_travel_miles"),
}

bp.add_app_template_filter(interest_label, "interest_label")
bp.add_app_template_filter(language_label, "language_label")


@bp.app_template_filter("rule_summary")
def rule_summary(program: Program) -> str:
    """Program.rule_summary in the reader's language."""
    text = _("Ages %(min)s–%(max)s", min=program.min_age, max=program.max_age)
    if program.min_grade_completed is None:
        return text
    if program.grade_rule_until_age is not None:
        return text + "; " + _("at %(min)s, grade %(grade)s completed (no grade rule from %(until)s)",
                               min=program.min_age, grade=program.min_grade_completed,
                               until=program.grade_rule_until_age)
    return text + "; " + _("grade %(grade)s completed", grade=program.min_grade_completed)


def step_titles() -> dict[int, str]:
    return {1: _("About the young person"), 2: _("Interests and goals"), 3: _("Availability"),
            4: _("Preferences"), 5: _("Review and submit")}


def get_application_or_404(application_id: int) -> Application:
    """The application, if it belongs to the logged-in family; 404 for anyone else's."""
    application = db.session.scalar(
        sa.select(Application).where(Application.id == application_id)
        .options(so.selectinload(Application.youth), so.selectinload(Application.program),
                 so.selectinload(Application.consents))
    )
    if application is None or application.youth.anonymised_at is not None:
        abort(404)
    if not application.youth.is_family_of(current_user):
        abort(404)
    return application


def get_draft_or_redirect(application_id: int):
    application = get_application_or_404(application_id)
    if application.status is not ApplicationStatus.DRAFT:
        return application, redirect(url_for("family.status", application_id=application.id))
    return application, None


@bp.route("/children/new", methods=["GET", "POST"])
@guardian_required
def add_child():
    """Add a child to the family, then choose a program."""
    form = ChildForm()
    if form.validate_on_submit():
        youth = journey.add_child(current_user, form.first_name.data, form.last_name.data, form.date_of_birth.data)
        flash(_("%(name)s is added to your family. Now choose a program to apply to.", name=youth.first_name),
              "success")
        return redirect(url_for("family.start", youth=youth.id))
    return render_template("family/add_child.html", form=form)


@bp.route("/apply", methods=["GET", "POST"])
@family_required
def start():
    """Pick who applies and to which program; an open application is resumed, not duplicated."""
    youth = journey.family_youth(current_user)
    if not youth:
        return redirect(url_for("family.add_child"))
    form = StartForm(youth_id=request.args.get("youth", type=int), program_id=request.args.get("program", type=int))
    form.youth_id.choices = [(y.id, y.full_name) for y in youth]
    form.program_id.choices = [(p.id, p.name) for p in db.session.scalars(
        sa.select(Program).where(Program.is_active).order_by(Program.name))]
    if form.validate_on_submit():
        application = journey.open_or_start_application(next(y for y in youth if y.id == form.youth_id.data),
                                                        form.program_id.data, current_user)
        return redirect(continue_url(application))
    return render_template("family/start.html", form=form, programs=form.program_id.choices), \
        422 if form.errors else 200


def continue_url(application: Application) -> str:
    """Where the family picks up: the first unfinished step, the review, or the status page."""
    if application.status is not ApplicationStatus.DRAFT:
        return url_for("family.status", application_id=application.id)
    if application.draft_step > len(STEP_FORMS):
        return _review_url(application)
    return url_for("family.step", application_id=application.id, number=application.draft_step)


@bp.route("/applications/<int:application_id>/step/<int:number>", methods=["GET", "POST"])
@family_required
def step(application_id: int, number: int):
    """One step of the application; the draft is saved each time a step is valid."""
    application, leave = get_draft_or_redirect(application_id)
    if leave:
        return leave
    if number not in STEP_FORMS or number > application.draft_step:
        return redirect(continue_url(application))
    form = _step_form(application, number)
    if form.validate_on_submit():
        _save_step(application, number, form)
        if number == 1 and not journey.check_eligibility(application, current_user):
            return _go(url_for("family.status", application_id=application.id))
        target = (url_for("family.step", application_id=application.id, number=number + 1)
                  if number + 1 in STEP_FORMS else _review_url(application))
        return _go(target)
    return _render_step(application, number, form, status=422 if form.errors else 200)


def _step_form(application: Application, number: int):
    if request.method != "GET":
        return STEP_FORMS[number]()
    youth = application.youth
    form = STEP_FORMS[number](obj=youth)
    if number == 1:
        form.grade_completed.data = "" if youth.grade_completed is None else str(youth.grade_completed)
    if number == 4 and youth.max_travel_miles is not None:
        form.max_travel_miles.data = int(youth.max_travel_miles)
    return form


def _review_url(application: Application) -> str:
    return url_for("family.review", application_id=application.id)


def _go(target: str):
    """Move on: htmx follows the redirect header, a plain browser the Location."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _save_step(application: Application, number: int, form) -> None:
    youth = application.youth
    answers = {}
    for name in STEP_FIELDS[number]:
        value = getattr(form, name).data
        if isinstance(value, str):
            value = value.strip()
        elif value is None and isinstance(getattr(youth, name), str):
            value = ""
        answers[name] = value
    if number == 1:
        answers["grade_completed"] = int(form.grade_completed.data) if form.grade_completed.data else None
    if number == 4:
        answers["mentor_gender_preference"] = answers["mentor_gender_preference"] or None
        answers["required_language"] = answers["required_language"] or None
    journey.save_step(application, number, answers, current_user)


def _render_step(application: Application, number: int, form, status: int = 200):
    template = "family/_step.html" if is_htmx() else "family/step.html"
    return render_template(template, application=application, number=number, form=form,
                           days=DAYS, parts=PARTS_OF_DAY, titles=step_titles()), status


def _submit_form(application: Application):
    if not application.needs_consent():
        return AdultSubmitForm()
    if current_user.role is Role.GUARDIAN:
        return GuardianSubmitForm()
    return YouthSubmitForm(guardian_email=application.youth.guardian_email)


def _submission(form) -> dict:
    if isinstance(form, GuardianSubmitForm):
        return {"consent": {"relation": form.relation.data, "typed_signature": form.typed_signature.data}}
    if isinstance(form, YouthSubmitForm):
        return {"guardian_email": form.guardian_email.data.strip().lower()}
    return {}


@bp.route("/applications/<int:application_id>/review", methods=["GET", "POST"])
@family_required
def review(application_id: int):
    """Check every answer, give consent if a guardian, and submit."""
    application, leave = get_draft_or_redirect(application_id)
    if leave:
        return leave
    if application.draft_step <= len(STEP_FORMS):
        return redirect(continue_url(application))
    form = _submit_form(application)
    if form.validate_on_submit():
        try:
            journey.submit(application, current_user, **_submission(form))
        except journey.ConsentRequestRefused as refused:
            form.guardian_email.errors.append(str(refused))
            application = get_application_or_404(application_id)
            return _render_step(application, len(STEP_FORMS) + 1, form, status=422)
        flash(_("Your application is sent."), "success")
        return _go(url_for("family.status", application_id=application.id))
    return _render_step(application, len(STEP_FORMS) + 1, form, status=422 if form.errors else 200)


@bp.route("/applications/<int:application_id>")
@family_required
def status(application_id: int):
    """Where the application stands, in plain words, with what the family may do next."""
    return _render_status(get_application_or_404(application_id))


def _render_status(application: Application, status: int = 200, **forms):
    match = journey.open_match(application) if application.status in (
        ApplicationStatus.PROPOSED, ApplicationStatus.MATCHED) else None
    forms = {"accept_form": AcceptMentorForm(formdata=None), "decline_form": DeclineMentorForm(formdata=None), "withdraw_form": WithdrawForm(formdata=None),
             "consent_form": WithdrawConsentForm(formdata=None), "resend_form": ResendConsentForm(formdata=None),
             "again_form": ConsentAgainForm(formdata=None), **forms}
    return render_template(
        "family/status.html", application=application, match=match,
        continue_url=continue_url(application),
        place=journey.waitlist_place(application) if application.status is ApplicationStatus.WAITLISTED else None,
        ineligible_reason=journey.ineligible_explanation(application)
        if application.status is ApplicationStatus.INELIGIBLE else None,
        other_programs=journey.programs_open_to(application.youth)
        if application.status is ApplicationStatus.INELIGIBLE else [],
        may_decide=journey.may_decide_for(application, current_user),
        may_accept=journey.may_accept(application, match, current_user),
        mentor_contact=mentor_contact_for_family(match)
        if match is not None and journey.may_decide_for(application, current_user) else None,
        may_withdraw_consent=journey.can_withdraw_consent(application, current_user),
        may_consent_again=journey.can_consent_again(application, current_user),
        can_withdraw=application.can_move_to(ApplicationStatus.WITHDRAWN), **forms,
    ), status


@bp.route("/applications/<int:application_id>/accept", methods=["POST"])
@family_required
def accept_mentor(application_id: int):
    """Accept the proposed mentor: contact details are shared from now on and the mentor is told."""
    application = get_application_or_404(application_id)
    match = journey.open_match(application)
    if not journey.may_accept(application, match, current_user):
        abort(404)
    if AcceptMentorForm().validate_on_submit():
        journey.accept_mentor(application, match, current_user)
        flash(_("You accepted %(mentor)s as mentor. You now see how to reach them, and the coordinator will "
                "arrange the first meeting.", mentor=match.mentor.user.first_name), "success")
    return redirect(url_for("family.status", application_id=application.id))


@bp.route("/applications/<int:application_id>/decline", methods=["POST"])
@family_required
def decline_mentor(application_id: int):
    """Decline the proposed mentor with a reason; the application returns to the waitlist."""
    application = get_application_or_404(application_id)
    match = journey.open_match(application)
    if application.status is not ApplicationStatus.PROPOSED or match is None or match.family_accepted \
            or not journey.may_decide_for(application, current_user):
        abort(404)
    form = DeclineMentorForm()
    if not form.validate_on_submit():
        return _render_status(application, 422, decline_form=form)
    journey.decline_mentor(application, match, current_user, form.decline_reason.data.strip())
    flash(_("You declined the proposed mentor. The coordinator is told why, and you keep your place on the waitlist."), "success")
    return redirect(url_for("family.status", application_id=application.id))


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@family_required
def withdraw(application_id: int):
    """Withdraw an application that is still open."""
    application = get_application_or_404(application_id)
    if not application.can_move_to(ApplicationStatus.WITHDRAWN):
        abort(404)
    form = WithdrawForm()
    if form.validate_on_submit():
        journey.withdraw(application, current_user, (form.withdraw_reason.data or "").strip())
        flash(_("The application is withdrawn."), "success")
    return redirect(url_for("family.status", application_id=application.id))


@bp.route("/applications/<int:application_id>/consent/withdraw", methods=["POST"])
@guardian_required
def withdraw_consent(application_id: int):
    """The guardian withdraws consent: the application pauses and the coordinator is told."""
    application = get_application_or_404(application_id)
    if not journey.can_withdraw_consent(application, current_user):
        abort(404)
    form = WithdrawConsentForm()
    if not form.validate_on_submit():
        return _render_status(application, 422, consent_form=form)
    journey.withdraw_consent(application, current_user, form.withdrawal_reason.data.strip())
    flash(_("Consent is withdrawn and the application is paused. The coordinator has been told."), "success")
    return redirect(url_for("family.status", application_id=application.id))


@bp.route("/applications/<int:application_id>/consent/again", methods=["POST"])
@guardian_required
def consent_again(application_id: int):
    """The guardian gives consent again to a paused application."""
    application = get_application_or_404(application_id)
    if not journey.can_consent_again(application, current_user):
        abort(404)
    form = ConsentAgainForm()
    if not form.validate_on_submit():
        return _render_status(application, 422, again_form=form)
    journey.consent_again(application, current_user, form.relation.data, form.typed_signature.data)
    flash(_("Consent is given again. The coordinator has been told and will contact you."), "success")
    return redirect(url_for("family.status", application_id=application.id))


@bp.route("/applications/<int:application_id>/consent/resend", methods=["POST"])
@family_required
def resend_consent(application_id: int):
    """Send the guardian a fresh consent link; the earlier one stops working."""
    application = get_application_or_404(application_id)
    if application.status is not ApplicationStatus.AWAITING_CONSENT:
        abort(404)
    if ResendConsentForm().validate_on_submit():
        try:
            journey.request_consent(application, current_user)
        except journey.ConsentRequestRefused as refused:
            flash(str(refused), "error")
        else:
            flash(_("We sent the consent request again to %(email)s.", email=application.youth.guardian_email),
                  "success")
    return redirect(url_for("family.status", application_id=application.id))


@bp.route("/consent/<token>", methods=["GET", "POST"])
@public
def consent(token: str):
    """The page an e-mailed guardian opens: read about the program, then consent or decline."""
    record = AccessToken.find_usable(TokenPurpose.GUARDIAN_CONSENT, token)
    if record is None or record.application is None \
            or record.application.status is not ApplicationStatus.AWAITING_CONSENT:
        return render_template("family/consent_closed.html"), 410
    form = ConsentByLinkForm()
    if form.validate_on_submit():
        if form.decline.data:
            journey.decline_by_link(record, form.relation.data, form.typed_signature.data)
            return render_template("family/consent_done.html", declined=True, application=record.application)
        journey.consent_by_link(record, form.relation.data, form.typed_signature.data)
        return render_template("family/consent_done.html", declined=False, application=record.application)
    return render_template("family/consent.html", form=form, application=record.application), \
        422 if form.errors else 200


@bp.route("/data")
@family_required
def data():
    """Download or delete the family's data."""
    return render_template("family/data.html", form=DeleteDataForm(), youth=journey.family_youth(current_user))


@bp.route("/data/download")
@family_required
def download_data():
    """Everything held about the family, as a JSON file."""
    record_read(current_user, "account.data_exported", current_user)
    db.session.commit()
    body = json.dumps(journey.export_family(current_user), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=mentormatch-data.json"})


@bp.route("/data/delete", methods=["GET", "POST"])
@family_required
def delete_data():
    """Confirm with the password, then erase the family's details and close the account."""
    form = DeleteDataForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.password.data):
            form.password.errors.append(_("That password is not right."))
        else:
            journey.erase_family(current_user)
            logout_user()
            session.clear()
            flash(_("Your data is deleted and your account is closed."), "success")
            return redirect(url_for("main.index"))
    return render_template("family/delete.html", form=form), 422 if form.errors else 200
