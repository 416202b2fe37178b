"""An administrator's side of the partnership: partner organizations and their liaison accounts.

Liaison accounts are made here, never by registration; they start confirmed, like staff accounts.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from mentormatch.access import admin_required
from mentormatch.extensions import db
from mentormatch.models import Partner, PartnerKind, PartnerLiaison, Role, User, record_audit, utcnow
from mentormatch.partners import bp
from mentormatch.partners.forms import ButtonForm, LiaisonForm, PartnerForm

PARTNER_FIELDS = ("name", "contact_name", "contact_email", "contact_phone", "is_active")


def _snapshot(partner: Partner) -> dict:
    return {**{name: getattr(partner, name) for name in PARTNER_FIELDS}, "kind": partner.kind.value}


@bp.route("/organizations", methods=["GET", "POST"])
@admin_required
def organizations():
    """Every partner organization with its liaisons; add one."""
    form = PartnerForm()
    if form.validate_on_submit() and _save_partner(Partner(), form, new=True):
        return redirect(url_for("partners.organizations"))
    partners = list(db.session.scalars(sa.select(Partner).order_by(Partner.name)))
    return render_template("partners/organizations.html", partners=partners, form=form), 422 if form.errors else 200


@bp.route("/organizations/<int:partner_id>", methods=["GET", "POST"])
@admin_required
def organization(partner_id: int):
    """One organization: its details, and its liaison accounts."""
    partner = db.get_or_404(Partner, partner_id)
    form = PartnerForm(obj=partner)
    if not form.is_submitted():
        form.kind.data = partner.kind.value
    if form.validate_on_submit() and _save_partner(partner, form, new=False):
        return redirect(url_for("partners.organization", partner_id=partner.id))
    return _render_organization(partner, form, LiaisonForm(formdata=None))


def _render_organization(partner: Partner, form: PartnerForm, liaison_form: LiaisonForm):
    liaisons = list(db.session.scalars(
        sa.select(User).join(PartnerLiaison, PartnerLiaison.user_id == User.id)
        .where(PartnerLiaison.partner_id == partner.id).order_by(User.last_name, User.first_name)))
    status = 422 if form.errors or liaison_form.errors else 200
    return render_template("partners/organization.html", partner=partner, form=form, liaison_form=liaison_form,
                           liaisons=liaisons, button=ButtonForm()), status


def _save_partner(partner: Partner, form: PartnerForm, new: bool) -> bool:
    name = form.name.data.strip()
    clash = db.session.scalar(sa.select(Partner.id).where(sa.func.lower(Partner.name) == name.lower(),
                                                          Partner.id != (partner.id or 0)))
    if clash is not None:
        form.name.errors = list(form.name.errors) + ["Another organization already has this name."]
        return False
    before = None if new else _snapshot(partner)
    for field in PARTNER_FIELDS:
        value = getattr(form, field).data
        setattr(partner, field, value.strip() if isinstance(value, str) else value)
    partner.kind = PartnerKind(form.kind.data)
    db.session.add(partner)
    record_audit(current_user, "partner.create" if new else "partner.update", partner,
                 before=before, after=_snapshot(partner))
    db.session.commit()
    flash(f"Saved {partner.name}.", "success")
    return True


@bp.route("/organizations/<int:partner_id>/liaisons", methods=["POST"])
@admin_required
def add_liaison(partner_id: int):
    """Create a liaison account for the organization."""
    partner = db.get_or_404(Partner, partner_id)
    form = LiaisonForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
            form.email.errors = list(form.email.errors) + ["An account with this e-mail already exists."]
        else:
            user = User(email=email, role=Role.PARTNER, first_name=form.first_name.data.strip(),
                        last_name=form.last_name.data.strip(), email_confirmed_at=utcnow())
            user.set_password(form.password.data)
            db.session.add_all([user, PartnerLiaison(user=user, partner=partner)])
            record_audit(current_user, "partner.liaison_created", user, partner_id=partner.id)
            db.session.commit()
            flash(f"Created the liaison account of {user.full_name}.", "success")
            return redirect(url_for("partners.organization", partner_id=partner.id))
    return _render_organization(partner, PartnerForm(obj=partner, formdata=None), form)


@bp.route("/liaisons/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_liaison(user_id: int):
    """Suspend or restore a liaison account; a suspended one is logged out everywhere."""
    link = db.session.get(PartnerLiaison, user_id)
    if link is None:
        abort(404)
    user = link.user
    if ButtonForm().validate_on_submit():
        user.is_active_account = not user.is_active_account
        user.session_version += 1
        record_audit(current_user, "partner.liaison_active", user, after={"active": user.is_active_account})
        db.session.commit()
        flash(f"{user.full_name} is now {'active' if user.is_active_account else 'suspended'}.", "success")
    return redirect(url_for("partners.organization", partner_id=link.partner_id))
