"""Account views."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from mentormatch import login_limits, mail
from mentormatch.access import login_required, public
from mentormatch.auth import bp
from mentormatch.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LogOutEverywhereForm,
    LoginForm,
    MentorRegisterForm,
    RegisterForm,
    ResetPasswordForm,
    YouthRegisterForm,
)
from mentormatch.extensions import db, limiter
from mentormatch.family.notify import send_welcome
from mentormatch.links import external_url
from mentormatch.models import (
    AccessToken,
    Mentor,
    MentorStatus,
    Role,
    TokenPurpose,
    User,
    Youth,
    record_audit,
    utcnow,
)
from mentormatch.redirects import safe_next
from mentormatch.sessions import active_sessions, end_current_session, log_in, renew_sessions, revoke_sessions

REGISTER_FORMS = {
    "guardian": (Role.GUARDIAN, RegisterForm),
    "youth": (Role.YOUTH, YouthRegisterForm),
    "mentor": (Role.MENTOR, MentorRegisterForm),
}


def _find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def _submitted_email() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def _too_many_requests() -> str:
    return _("Too many requests. Try again in an hour.")


@bp.route("/register")
@public
def register_choice():
    """Ask which kind of account to create."""
    return render_template("auth/register_choice.html")


@bp.route("/register/<kind>", methods=["GET", "POST"])
@public
def register(kind: str):
    """Create a guardian, young person or mentor account."""
    if kind not in REGISTER_FORMS:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    role, form_class = REGISTER_FORMS[kind]
    form = form_class()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if _find_user(email) is not None:
            form.email.errors.append(
                _("An account with this e-mail already exists. Log in, or reset your password.")
            )
        else:
            user = _create_account(role, form, email)
            log_in(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.first_name), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form, kind=kind, role=role)


def _create_account(role: Role, form, email: str) -> User:
    user = User(
        email=email,
        role=role,
        first_name=form.first_name.data.strip(),
        last_name=form.last_name.data.strip(),
        phone=(form.phone.data or "").strip() or None,
        locale=session.get("lang", "en") if role in (Role.GUARDIAN, Role.YOUTH) else "en",
    )
    user.set_password(form.password.data)
    db.session.add(user)
    if role is Role.YOUTH:
        db.session.add(
            Youth(
                user=user,
                first_name=user.first_name,
                last_name=user.last_name,
                date_of_birth=form.date_of_birth.data,
                guardian_email=(form.guardian_email.data or "").strip().lower() or None,
            )
        )
    elif role is Role.MENTOR:
        db.session.add(
            Mentor(
                user=user,
                agency=form.agency.data.strip(),
                unit=(form.unit.data or "").strip(),
                badge_number=(form.badge_number.data or "").strip(),
                years_of_service=form.years_of_service.data,
                status=MentorStatus.APPLIED,
            )
        )
    record_audit(user, "account.register", user, role=role.value)
    db.session.commit()
    send_welcome(user)
    return user


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(login_limits.PER_ADDRESS, methods=["POST"], deduct_when=login_limits.failed,
               error_message=login_limits.address_message)
@limiter.limit(login_limits.PER_ACCOUNT_AND_ADDRESS, methods=["POST"], key_func=login_limits.account_and_address_key,
               deduct_when=login_limits.failed, error_message=login_limits.account_and_address_message)
@limiter.limit(login_limits.PER_ACCOUNT, methods=["POST"], key_func=login_limits.account_key,
               deduct_when=login_limits.failed, exempt_when=login_limits.is_known_browser,
               error_message=login_limits.account_message)
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = _find_user(form.email.data)
        # The password is checked even without an account, so the answer takes as long either way.
        if not login_limits.password_matches(user, form.password.data) or not user.is_active:
            form.password.errors.append(_("That e-mail and password do not match an account."))
        else:
            # A fresh session at login, so an identifier planted before it is worthless.
            session.clear()
            log_in(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            record_audit(user, "account.login", user)
            db.session.commit()
            response = redirect(safe_next(request.args.get("next")) or url_for("main.home"))
            return login_limits.remember_browser(response, user.email)
    return render_template("auth/login.html", form=form)


@bp.errorhandler(429)
def too_many_attempts(error):
    """The page the limit stopped, with the reason in the reader's language and what was typed kept."""
    if request.endpoint == "auth.login":
        form = LoginForm()
        form.password.errors = [error.description]
        return render_template("auth/login.html", form=form), 429
    return render_template("errors/error.html", code=429, title=_("Too many attempts"),
                           text=error.description), 429


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out of this browser."""
    end_current_session()
    db.session.commit()
    # Clear first: logout_user leaves in the session the instruction to delete the remember-me cookie.
    session.clear()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/forgot", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], error_message=_too_many_requests)
@limiter.limit("3 per hour", methods=["POST"], key_func=_submitted_email, error_message=_too_many_requests)
def forgot_password():
    """E-mail a password-reset link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = _find_user(form.email.data)
        if user is not None and user.is_active:
            hours = current_app.config["PASSWORD_RESET_HOURS"]
            _token, raw = AccessToken.issue(
                TokenPurpose.PASSWORD_RESET, user.email, timedelta(hours=hours), user=user
            )
            db.session.commit()
            mail.send(
                user.email,
                _("Reset your MentorMatch password"),
                "password_reset",
                user=user,
                link=external_url("auth.reset_password", token=raw),
                hours=hours,
            )
        # Same answer whether or not the address has an account, so nobody can probe for one.
        flash(_("If that address has an account, a reset link is on its way. It works once, for a short time."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Set a new password from an e-mailed link."""
    record = AccessToken.find_usable(TokenPurpose.PASSWORD_RESET, token)
    if record is None or record.user is None:
        flash(_("That reset link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = record.user
        user.set_password(form.password.data)
        _retire_reset_links(user)
        revoke_sessions(user)
        record_audit(user, "account.password_reset", user)
        db.session.commit()
        logout_user()
        flash(_("Your password is changed and every other session is logged out. Log in with the new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


def _retire_reset_links(user: User) -> None:
    """Every reset link of `user` stops working: one was used, or the password changed since they were sent."""
    db.session.execute(
        sa.update(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.purpose == TokenPurpose.PASSWORD_RESET,
               AccessToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Change one's password; every other session is logged out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("That is not your current password."))
        else:
            current_user.set_password(form.password.data)
            _retire_reset_links(current_user)
            renew_sessions(current_user._get_current_object())
            record_audit(current_user, "account.password_change", current_user)
            db.session.commit()
            flash(_("Your password is changed. You are logged out everywhere else."), "success")
            return redirect(url_for("auth.settings"))
    return render_template("auth/settings.html", form=form, sessions=active_sessions(current_user),
                           everywhere_form=LogOutEverywhereForm())


@bp.route("/sessions/end", methods=["POST"])
@login_required
def log_out_everywhere():
    """End every session of the account, this browser's included."""
    if LogOutEverywhereForm().validate_on_submit():
        ended = revoke_sessions(current_user)
        record_audit(current_user, "account.log_out_everywhere", current_user, sessions=ended)
        db.session.commit()
        session.clear()
        logout_user()
        flash(_("You are logged out everywhere. Log in again on the devices you use."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.settings"))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch between English and Spanish; remembered on the account and in the session."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
