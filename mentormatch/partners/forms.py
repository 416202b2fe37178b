"""Forms of the partnership: organizations and liaisons, referrals, and the family's invitation."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from mentormatch.auth.forms import NewPasswordMixin
from mentormatch.family.forms import CheckboxesField
from mentormatch.formkit import choices
from mentormatch.models import AgeBand, PartnerKind
from mentormatch.passwords import password_problem

REASON_MAX = 500


class PartnerForm(FlaskForm):
    name = StringField("Organization name", validators=[DataRequired(), Length(max=160)])
    kind = SelectField("Kind", choices=choices([(k.value, k.label) for k in PartnerKind]))
    contact_name = StringField("Contact person (optional)", validators=[Optional(), Length(max=120)])
    contact_email = EmailField("Contact e-mail (optional)", validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField("Contact phone (optional)", validators=[Optional(), Length(max=32)])
    is_active = BooleanField("Active: may refer families and co-host events", default=True)
    submit = SubmitField("Save organization")


class LiaisonForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=80)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=80)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=200)],
                             description="Give it to the liaison in person; they can change it under Account.")
    submit = SubmitField("Create liaison account")

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "", self.email.data, self.first_name.data, self.last_name.data)
        if problem:
            raise ValidationError(problem)


class ButtonForm(FlaskForm):
    """A button that changes something: the CSRF token is all it carries."""

    submit = SubmitField("Save")


def age_band_choices():
    return choices([("", "Choose…")] + [(b.value, b.label) for b in AgeBand])


class ReferralForm(FlaskForm):
    family_email = EmailField("Family's e-mail", validators=[DataRequired(), Email(), Length(max=254)],
                              description="The invitation goes here, in the family's language.")
    family_locale = SelectField("Family's language", choices=choices([("en", "English"), ("es", "Spanish")]))
    child_first_name = StringField("Child's first name", validators=[DataRequired(), Length(max=80)],
                                   description="First name only: the family gives the rest themselves.")
    age_band = SelectField("Age", choices=age_band_choices,
                           validators=[DataRequired(message="Choose the child's age.")])
    programs = CheckboxesField("Programs you suggest", coerce=int)
    reason = TextAreaField("Why you suggest it (short)", validators=[Optional(), Length(max=REASON_MAX)],
                           description="The family reads this in the invitation; no health or school records.")
    family_agreed = BooleanField("The family agreed that MentorMatch contacts them",
                                 validators=[DataRequired(message="Refer a family only once they agreed.")])
    submit = SubmitField("Send the invitation")

    def validate_programs(self, field) -> None:
        if not field.data:
            raise ValidationError("Suggest at least one program.")


class UploadForm(FlaskForm):
    file = FileField("A CSV or Excel (XLSX) file", validators=[
        FileRequired(message="Choose a file."),
        FileAllowed(["csv", "xlsx"], message="Upload a .csv or .xlsx file."),
    ])
    submit = SubmitField("Preview")


class ConfirmUploadForm(FlaskForm):
    rows = HiddenField()
    expected = HiddenField()
    submit = SubmitField("Save and send the invitations")


# ---------------------------------------------------------------- the family's side (translated)


class InvitationRegisterForm(NewPasswordMixin, FlaskForm):
    first_name = StringField(_l("Your first name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Your last name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 10 characters; avoid common passwords."))
    confirm = PasswordField(_l("Repeat password"), validators=[DataRequired()])
    submit = SubmitField(_l("Create account and continue"))

    def validate_confirm(self, field) -> None:
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


NEW_CHILD = 0


class StartFromReferralForm(FlaskForm):
    youth_id = SelectField(_l("Who is applying?"), coerce=int)
    first_name = StringField(_l("Child's first name"), validators=[Optional(), Length(max=80)])
    last_name = StringField(_l("Child's last name"), validators=[Optional(), Length(max=80)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    program_id = SelectField(_l("Program"), coerce=int)
    submit = SubmitField(_l("Start the application"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.youth_id.data != NEW_CHILD:
            return valid
        for name, message in (("first_name", _l("Enter the child's first name.")),
                              ("last_name", _l("Enter the child's last name.")),
                              ("date_of_birth", _l("Enter a date of birth."))):
            field = getattr(self, name)
            if not field.data and not field.errors:
                field.errors = list(field.errors) + [message]
                valid = False
        born = self.date_of_birth.data
        if born and born > date.today():
            self.date_of_birth.errors = list(self.date_of_birth.errors) + [
                _l("The date of birth cannot be in the future.")]
            valid = False
        return valid


class DeclineInvitationForm(FlaskForm):
    submit = SubmitField(_l("No, thank you"))


class ShareProgressForm(FlaskForm):
    shared = HiddenField()
    submit = SubmitField(_l("Save"))
