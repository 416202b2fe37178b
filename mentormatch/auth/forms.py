"""Account forms."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from mentormatch.models import ADULT_AGE, age_on
from mentormatch.formkit import choices
from mentormatch.passwords import password_problem


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class NewPasswordMixin:
    def validate_password(self, field) -> None:
        personal = [getattr(self, name).data for name in ("email", "first_name", "last_name")
                    if hasattr(self, name)]
        problem = password_problem(field.data or "", *personal)
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 10 characters; avoid common passwords."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Create account"))


# Under 13, personal information may not be collected online without verifiable parental
# consent (COPPA); the young person is sent to a parent instead, and nothing about them is kept.
OWN_ACCOUNT_MIN_AGE = 13


def too_young_for_own_account(born: date | None) -> bool:
    return born is not None and age_on(born, date.today()) < OWN_ACCOUNT_MIN_AGE


class AgeCheckForm(FlaskForm):
    """The first question a young person is asked, before anything that identifies them."""

    date_of_birth = DateField(_l("Date of birth"), validators=[DataRequired(message=_l("Enter your date of birth."))])
    stage = HiddenField(default="age")
    submit = SubmitField(_l("Continue"))

    def validate_date_of_birth(self, field) -> None:
        if field.data > date.today():
            raise ValidationError(_l("The date of birth cannot be in the future."))


class ParentInvitationForm(FlaskForm):
    parent_email = EmailField(_l("Your parent or guardian's e-mail"),
                              validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send the invitation"))


class YouthRegisterForm(RegisterForm):
    date_of_birth = DateField(_l("Date of birth"), validators=[DataRequired()])
    guardian_email = EmailField(
        _l("Parent or guardian's e-mail"),
        # No Optional(): it would stop the under-18 check below from running on an empty field.
        validators=[Length(max=254)],
        description=_l("Needed if you are under 18: we ask them for consent."),
    )

    def validate_date_of_birth(self, field) -> None:
        age = age_on(field.data, date.today())
        if age < OWN_ACCOUNT_MIN_AGE:
            raise ValidationError(_l("Ask a parent or guardian to create an account and apply for you."))
        if age > 20:
            raise ValidationError(
                _l("Our youth programs end at the 21st birthday. You may volunteer as a mentor instead.")
            )

    def validate_guardian_email(self, field) -> None:
        born = self.date_of_birth.data
        if not field.data:
            if born and age_on(born, date.today()) < ADULT_AGE:
                raise ValidationError(_l("Under 18: give a parent or guardian's e-mail so they can consent."))
            return
        Email()(self, field)
        if field.data and self.email.data and field.data.lower() == self.email.data.lower():
            raise ValidationError(_l("Your guardian's e-mail must differ from your own."))


class MentorRegisterForm(RegisterForm):
    agency = StringField("Agency or organization", validators=[DataRequired(), Length(max=120)])
    unit = StringField("Unit or team (optional)", validators=[Optional(), Length(max=120)])
    badge_number = StringField("Badge or staff number (optional)", validators=[Optional(), Length(max=40)])
    years_of_service = IntegerField(
        "Years of service", validators=[InputRequired(message="Enter a number (0 is fine)."),
                                        NumberRange(min=0, max=60)], default=0
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Set new password"))


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=choices([("en", "English"), ("es", "Español")]))
    submit = SubmitField(_l("Change"))


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("At least 10 characters; avoid common passwords."),
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class LogOutEverywhereForm(FlaskForm):
    submit = SubmitField(_l("Log out everywhere"))


class ResendConfirmationForm(FlaskForm):
    submit = SubmitField(_l("Send the confirmation link again"))
