"""Account views."""
from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.security import generate_password_hash

from mentormatch import login_limits, mail
from mentormatch.access import login_required, public
from mentormatch.auth import bp, confirmation
from mentormatch.auth.forms import (
    AgeCheckForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LogOutEverywhereForm,
    LoginForm,
    MentorRegisterForm,
    ParentInvitationForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    YouthRegisterForm,
    too_young_for_own_account,
)
from mentormatch.extensions import db, limiter
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

bp.before_app_request(confirmation.require_confirmed_email)

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


def _registered(response) -> bool:
    # Only registrations that went through count, so typing errors and the age question cost nothing.
    return response.status_code == 302 and response.location == url_for("auth.registration_sent")


@bp.route("/register/<kind>", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"], deduct_when=_registered, error_message=_too_many_requests)
@limiter.limit("3 per hour", methods=["POST"], key_func=_submitted_email, deduct_when=_registered,
               error_message=_too_many_requests)
def register(kind: str):
    """Create a guardian, young person or mentor account, to be confirmed by e-mail."""
    if kind not in REGISTER_FORMS:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    role, form_class = REGISTER_FORMS[kind]
    if kind == "youth":
        answer = _youth_age_question()
        if answer is not None:
            return answer
    form = form_class()
    if form.validate_on_submit():
        started = time.monotonic()
        email = form.email.data.strip().lower()
        existing = _find_user(email)
        # The same answer, in the same time, whether or not the address has an account: the
        # mailbox's owner is the only one told which it was. Both ways hash the password (most of
        # the time); the answer then waits out the rest of a fixed time, as a new account writes
        # a few rows more than noting the attempt does.
        if existing is not None:
            generate_password_hash(form.password.data, method="scrypt")
            record_audit(None, "account.registration_attempt", existing, role=role.value)
            confirmation.send_registration_attempt(existing)
        else:
            confirmation.send_confirmation(_create_account(role, form, email))
        time.sleep(max(0.0, current_app.config["REGISTRATION_ANSWER_SECONDS"] - (time.monotonic() - started)))
        session["registered_email"] = email
        return redirect(url_for("auth.registration_sent"))
    return render_template("auth/register.html", form=form, kind=kind, role=role)


# Set for the rest of the browser session once a date of birth under 13 was given, so that going
# back and typing an older one does not open the form.
SENT_TO_A_PARENT = "youth_sent_to_a_parent"


def _youth_age_question():
    """A young person gives only their date of birth first; under 13 they are sent to a parent.

    Returns the response to send, or None when the whole youth form was posted by someone old
    enough and registration goes on as for anyone else.
    """
    if session.get(SENT_TO_A_PARENT):
        return redirect(url_for("auth.ask_a_parent"))
    if request.method == "POST" and request.form.get("stage") != "age":
        # The whole form: its date is checked before anything in it is read, let alone kept.
        try:
            born = date.fromisoformat(request.form.get("date_of_birth") or "")
        except ValueError:
            return None
        return _send_to_a_parent() if too_young_for_own_account(born) else None
    question = AgeCheckForm()
    if question.validate_on_submit():
        if too_young_for_own_account(question.date_of_birth.data):
            return _send_to_a_parent()
        form = YouthRegisterForm(formdata=None, date_of_birth=question.date_of_birth.data)
        return render_template("auth/register.html", form=form, kind="youth", role=Role.YOUTH)
    return render_template("auth/age_question.html", form=question), 422 if question.errors else 200


def _send_to_a_parent():
    session[SENT_TO_A_PARENT] = True
    return redirect(url_for("auth.ask_a_parent"))


def _invited_parent() -> str:
    # A digest, so the limiter's storage holds no e-mail address.
    address = (request.form.get("parent_email") or "").strip().lower()
    return "parent-invitation:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def _invited(response) -> bool:
    return response.status_code == 302


@bp.route("/register/youth/parent", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], deduct_when=_invited, error_message=_too_many_requests)
@limiter.limit("3 per day", methods=["POST"], key_func=_invited_parent, deduct_when=_invited,
               error_message=_too_many_requests)
def ask_a_parent():
    """Under 13: ask a parent or guardian to apply; at most their e-mail is taken, to invite them."""
    form = ParentInvitationForm()
    if form.validate_on_submit():
        address = form.parent_email.data.strip().lower()
        mail.send(address, _("An invitation to MentorMatch"), "parent_invitation",
                  link=external_url("auth.register", kind="guardian"))
        return redirect(url_for("auth.ask_a_parent", sent=1))
    return render_template("auth/ask_a_parent.html", form=form, sent=request.args.get("sent") == "1"), \
        422 if form.errors else 200


@bp.route("/register/sent")
@public
def registration_sent():
    """Ask the new user to open the link we e-mailed."""
    return render_template("auth/registration_sent.html", email=session.get("registered_email"))


@bp.route("/confirm/<token>")
@public
def confirm_email(token: str):
    """Confirm the address from the e-mailed link, for the account logged in on this browser."""
    record = confirmation.usable_link(token)
    if record is None:
        if current_user.is_authenticated and current_user.email_confirmed:
            return redirect(url_for("main.home"))
        flash(_("That confirmation link has expired or was already used. Log in to have a new one sent."), "error")
        return redirect(url_for("auth.unconfirmed" if current_user.is_authenticated else "auth.login"))
    if not current_user.is_authenticated:
        flash(_("Log in to confirm your e-mail address."), "info")
        return redirect(url_for("auth.login", next=request.path))
    if current_user.id != record.user_id:
        return render_template("auth/confirm_other_account.html"), 403
    # The welcome e-mail follows the confirmation, as a consequence of its event.
    confirmation.confirm(current_user, record)
    db.session.commit()
    flash(_("Your e-mail address is confirmed. Welcome, %(name)s.", name=current_user.first_name), "success")
    return redirect(url_for("main.home"))


@bp.route("/unconfirmed")
@login_required
def unconfirmed():
    """What an account sees until its address is confirmed."""
    if not confirmation.needs_confirmation(current_user):
        return redirect(url_for("main.home"))
    return render_template("auth/unconfirmed.html", form=ResendConfirmationForm())


def _current_account() -> str:
    return f"confirmation-resend:{getattr(current_user, 'id', '')}"


@bp.route("/confirm/resend", methods=["POST"])
@login_required
@limiter.limit("3 per hour", key_func=_current_account, error_message=_too_many_requests)
def resend_confirmation():
    """Send the confirmation link again; the earlier one stops working."""
    if ResendConfirmationForm().validate_on_submit() and confirmation.needs_confirmation(current_user):
        confirmation.send_confirmation(current_user)
        flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("auth.unconfirmed"))


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
        # The link reached the mailbox, which is all a confirmation proves.
        confirmation.confirm(user)
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
