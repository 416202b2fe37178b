"""The family's side of a referral: the invitation page the e-mailed link opens, where the family
creates an account or logs in and starts the application, or declines; and the switch on the
status page that withdraws the partner's view.

Registering from the link confirms the address at once: the link went to that mailbox, which is
all the confirmation e-mail would prove (as a password reset link does).
"""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from mentormatch.access import public, roles_required
from mentormatch.extensions import db, limiter
from mentormatch.family import journey
from mentormatch.family.routes import continue_url, get_application_or_404
from mentormatch.models import Application, Referral, ReferralInvitation, Role, User
from mentormatch.partners import bp, referrals
from mentormatch.partners.forms import (
    NEW_CHILD,
    DeclineInvitationForm,
    InvitationRegisterForm,
    ShareProgressForm,
    StartFromReferralForm,
)
from mentormatch.sessions import log_in

FAMILY = (Role.GUARDIAN, Role.YOUTH)


def _account(email: str) -> Optional[User]:
    return db.session.scalar(sa.select(User).where(User.email == email.lower()))


def _closed():
    return render_template("partners/invitation_closed.html"), 410


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def invitation(token: str):
    """What the partner suggested; create an account or log in, then start the application."""
    record = ReferralInvitation.find_usable(token)
    if record is None:
        return _closed()
    _speak_the_familys_language(record)
    if not current_user.is_authenticated:
        return _register(record, token)
    if current_user.role not in FAMILY:
        return _render(record, token, None, wrong_account=True)
    return _start(record, token)


def _speak_the_familys_language(record: ReferralInvitation) -> None:
    """A visitor who chose no language reads the invitation in the one the partner gave for the family."""
    if not current_user.is_authenticated and "lang" not in session:
        session["lang"] = record.referral.family_locale
        refresh()


def _render(record: ReferralInvitation, token: str, form, status: int = 200, **context):
    referral = record.referral
    return render_template("partners/invitation.html", referral=referral, token=token, form=form,
                           programs=[p for p in referral.programs if p.is_active],
                           decline_form=DeclineInvitationForm(formdata=None), **context), status


def _register(record: ReferralInvitation, token: str):
    existing = _account(record.email)
    form = InvitationRegisterForm()
    if existing is None and form.validate_on_submit():
        user = referrals.register_family(record, form.first_name.data, form.last_name.data, form.phone.data,
                                         form.password.data, session.get("lang", record.referral.family_locale))
        # A fresh session at login, as at every login.
        session.clear()
        log_in(user)
        db.session.commit()
        return redirect(url_for("partners.invitation", token=token))
    return _render(record, token, form, 422 if form.errors else 200, has_account=existing is not None)


def _start(record: ReferralInvitation, token: str):
    referral = record.referral
    children = journey.family_youth(current_user)
    form = StartFromReferralForm()
    if current_user.role is Role.GUARDIAN:
        form.youth_id.choices = [(y.id, y.full_name) for y in children] + [
            (NEW_CHILD, _("Add %(name)s as a new child", name=referral.child_first_name))]
    else:
        form.youth_id.choices = [(y.id, y.full_name) for y in children]
    form.program_id.choices = [(p.id, p.name) for p in referral.programs if p.is_active]
    if not form.is_submitted():
        form.first_name.data = referral.child_first_name
        form.youth_id.data = next((y.id for y in children if y.first_name.lower() == referral.child_first_name.lower()),
                                  NEW_CHILD if current_user.role is Role.GUARDIAN else None)
    if form.validate_on_submit():
        youth = next((y for y in children if y.id == form.youth_id.data), None)
        child = None
        if youth is None:
            child = referrals.NewChild(form.first_name.data, form.last_name.data, form.date_of_birth.data)
        try:
            application = referrals.accept(record, current_user, form.program_id.data, youth=youth, child=child)
        except referrals.AcceptRefused:
            form.program_id.errors = list(form.program_id.errors) + [_("That program is not open now.")]
        else:
            flash(_("Your application is started. Check and complete each step; nothing is sent until you submit it."),
                  "success")
            return redirect(continue_url(application))
    return _render(record, token, form, 422 if form.errors else 200)


@bp.route("/invitations/<token>/decline", methods=["POST"])
@public
def decline_invitation(token: str):
    """The family says no, thank you; the partner sees that they declined."""
    record = ReferralInvitation.find_usable(token)
    if record is None:
        return _closed()
    if DeclineInvitationForm().validate_on_submit():
        family = current_user if current_user.is_authenticated and current_user.role in FAMILY else None
        partner = record.referral.partner.name
        referrals.decline(record, family)
        return render_template("partners/invitation_declined.html", partner=partner)
    return redirect(url_for("partners.invitation", token=token))


def referral_of(application: Application) -> Optional[Referral]:
    return db.session.get(Referral, application.referral_id) if application.referral_id else None


@bp.app_template_global()
def partner_sharing(application: Application) -> Optional[dict]:
    """For the family's status page: the referral behind the application and the form to switch the view."""
    referral = referral_of(application)
    if referral is None:
        return None
    return {"referral": referral, "form": ShareProgressForm(formdata=None, shared="1" if referral.view_withdrawn else "0")}


@bp.route("/applications/<int:application_id>/sharing", methods=["POST"])
@roles_required(*FAMILY)
def share_progress(application_id: int):
    """Withdraw, or give back, the referring partner's view of how the application goes."""
    application = get_application_or_404(application_id)
    referral = referral_of(application)
    if referral is None:
        abort(404)
    form = ShareProgressForm()
    if form.validate_on_submit():
        shared = form.shared.data == "1"
        referrals.set_view(referral, current_user, shared)
        flash(_("%(partner)s sees again which stage the application reached.", partner=referral.partner.name)
              if shared else
              _("%(partner)s no longer sees how the application goes.", partner=referral.partner.name), "success")
    return redirect(url_for("family.status", application_id=application.id))
