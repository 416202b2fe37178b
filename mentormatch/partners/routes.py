"""A liaison's referrals (one at a time or a whole list), staff's view of every referral, and the
report by referral source."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from mentormatch.access import roles_required, staff_required
from mentormatch.extensions import db, limiter
from mentormatch.models import AgeBand, Program, Referral, ReferralStatus, Role
from mentormatch.partners import bp, bulk, referrals, report, stages
from mentormatch.partners.forms import ButtonForm, ConfirmUploadForm, ReferralForm, UploadForm
from mentormatch.spreadsheets import csv_response

liaison_required = roles_required(Role.PARTNER)
liaison_or_staff = roles_required(Role.PARTNER, Role.COORDINATOR, Role.ADMIN)


def _active_programs() -> list[Program]:
    return list(db.session.scalars(sa.select(Program).where(Program.is_active).order_by(Program.name)))


def _own_referral_or_404(referral_id: int) -> Referral:
    """A referral of the liaison's own organization; anyone else's is not found."""
    referral = db.get_or_404(Referral, referral_id)
    partner = referrals.liaison_partner(current_user)
    if partner is None or referral.partner_id != partner.id:
        abort(404)
    return referral


@bp.route("/referrals")
@liaison_or_staff
def list_referrals():
    """Each referral with the stage it reached: a liaison sees their organization's, staff every one."""
    staff = current_user.role is not Role.PARTNER
    partner = None if staff else referrals.liaison_partner(current_user)
    if not staff and partner is None:
        abort(404)
    rows = stages.referrals_with_stages(partner, for_staff=staff)
    return render_template("partners/referrals.html", rows=rows, partner=partner, staff=staff,
                           figures=report.by_source(partner) if partner else None, button=ButtonForm())


def _liaison_key() -> str:
    return f"liaison:{current_user.id}"


@bp.route("/referrals/new", methods=["GET", "POST"])
@liaison_required
@limiter.limit("60 per hour", methods=["POST"], key_func=_liaison_key)
def new_referral():
    """Refer one family: they get an e-mail in their language with a single-use link."""
    form = ReferralForm()
    programs = _active_programs()
    form.programs.choices = [(p.id, p.name) for p in programs]
    if form.validate_on_submit():
        data = referrals.ReferralData(
            family_email=form.family_email.data, family_locale=form.family_locale.data,
            child_first_name=form.child_first_name.data, age_band=AgeBand(form.age_band.data),
            programs=[p for p in programs if p.id in form.programs.data], reason=form.reason.data or "",
            family_agreed=form.family_agreed.data)
        try:
            referral = referrals.refer(current_user, data)
        except referrals.ReferralRefused as refused:
            form.family_email.errors = list(form.family_email.errors) + [str(refused)]
        else:
            flash(f"Invitation sent to {referral.family_email}.", "success")
            return redirect(url_for("partners.list_referrals"))
    return render_template("partners/new_referral.html", form=form), 422 if form.errors else 200


@bp.route("/referrals/upload", methods=["GET", "POST"])
@liaison_required
def upload_referrals():
    """Upload a list; every row is shown as OK or with its errors; nothing is saved until confirmed."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = bulk.read_upload(upload.filename or "", upload.read(bulk.MAX_BYTES + 1))
        except bulk.UnreadableFile as problem:
            form.file.errors = list(form.file.errors) + [str(problem)]
        else:
            return _preview(rows)
    return render_template("partners/upload.html", form=form), 422 if form.errors else 200


def _preview(rows: list[dict], message: str = "", status: int = 200):
    checked = bulk.preview(rows)
    valid = sum(1 for row in checked if row.ok)
    confirm = ConfirmUploadForm(formdata=None, rows=bulk.to_hidden(rows), expected=str(valid))
    return render_template("partners/preview.html", rows=checked, valid=valid, confirm=confirm,
                           message=message), status


@bp.route("/referrals/upload/confirm", methods=["POST"])
@liaison_required
@limiter.limit("10 per hour", key_func=_liaison_key)
def confirm_upload():
    """Save every valid row of the previewed list, or none if anything changed since the preview."""
    form = ConfirmUploadForm()
    if not form.validate_on_submit():
        return redirect(url_for("partners.upload_referrals"))
    try:
        rows = bulk.from_hidden(form.rows.data)
    except bulk.UnreadableFile as problem:
        flash(str(problem), "error")
        return redirect(url_for("partners.upload_referrals"))
    checked = bulk.preview(rows)
    valid = [row.data for row in checked if row.ok]
    if str(len(valid)) != form.expected.data or not valid:
        return _preview(rows, "Nothing was saved: the list changed since the preview (another referral, or a "
                              "program closed). Check the rows below and confirm again.", 409)
    try:
        saved = referrals.refer_many(current_user, valid)
    except referrals.ReferralRefused as refused:
        return _preview(rows, f"Nothing was saved: {refused}", 409)
    flash(f"{len(saved)} referrals saved and their invitations sent.", "success")
    return redirect(url_for("partners.list_referrals"))


@bp.route("/referrals/template.csv")
@liaison_required
def referral_template():
    """An empty list with the column names and one example row."""
    example = ["family@example.org", "es", "Ana", "14-15", _active_programs()[0].slug if _active_programs() else "",
               "Loves robotics; looking for a positive adult", "yes"]
    return csv_response("referrals.csv", bulk.COLUMNS, [example])


@bp.route("/referrals/<int:referral_id>/resend", methods=["POST"])
@liaison_required
def resend_referral(referral_id: int):
    """E-mail the family a fresh link; the earlier one stops working."""
    referral = _own_referral_or_404(referral_id)
    if ButtonForm().validate_on_submit():
        try:
            referrals.resend(referral, current_user)
        except referrals.ReferralRefused as refused:
            flash(str(refused), "error")
        else:
            flash(f"A new link went to {referral.family_email}.", "success")
    return redirect(url_for("partners.list_referrals"))


@bp.route("/referrals/<int:referral_id>/withdraw", methods=["POST"])
@liaison_required
def withdraw_referral(referral_id: int):
    """Take back a referral the family has not answered."""
    referral = _own_referral_or_404(referral_id)
    if ButtonForm().validate_on_submit():
        if referral.status is not ReferralStatus.INVITED:
            flash("The family has already answered; the referral stays.", "error")
        else:
            referrals.withdraw(referral, current_user)
            flash(f"The referral of {referral.child_first_name} is withdrawn; its link no longer works.", "success")
    return redirect(url_for("partners.list_referrals"))


@bp.route("/report")
@staff_required
def source_report():
    """Referrals, applications, matches, waits and lasting matches by referral source."""
    return render_template("partners/report.html", rows=report.by_source())


@bp.route("/report.csv")
@staff_required
def source_report_csv():
    """The report by referral source as CSV: counts only."""
    return csv_response("mentormatch-referral-sources.csv", report.HEADER, [r.csv() for r in report.by_source()])
