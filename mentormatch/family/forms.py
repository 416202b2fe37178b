"""Forms of the application journey, consent and data rights."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from mentormatch.family.vocabulary import (
    GENDERS,
    LANGUAGE_LABELS,
    RELATIONS,
    interest_choices,
    language_choices,
    slot_choices,
)
from mentormatch.auth.forms import too_young_for_own_account
from mentormatch.formkit import choices
from mentormatch.models import Role, age_on

ZIP_PATTERN = r"^\d{5}$"


def zip_is_real(code: str) -> bool:
    import zipcodes

    return zipcodes.is_real(code)


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def at_least_one(message):
    def check(form, field):
        if not field.data:
            raise ValidationError(message)

    return check


def grade_choices():
    pairs = [("", _l("Not in school / not given"))]
    pairs += [(str(n), _l("Grade %(n)s", n=n)) for n in range(4, 13)]
    return choices(pairs)


class ChildForm(FlaskForm):
    first_name = StringField(_l("Child's first name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Child's last name"), validators=[DataRequired(), Length(max=80)])
    date_of_birth = DateField(_l("Date of birth"), validators=[DataRequired(message=_l("Enter a date of birth."))])
    submit = SubmitField(_l("Add child"))

    def validate_date_of_birth(self, field) -> None:
        if field.data > date.today():
            raise ValidationError(_l("The date of birth cannot be in the future."))
        if age_on(field.data, date.today()) > 20:
            raise ValidationError(_l("Our youth programs end at the 21st birthday."))


class StartForm(FlaskForm):
    youth_id = SelectField(_l("Who is applying?"), coerce=int)
    program_id = SelectField(_l("Program"), coerce=int)
    submit = SubmitField(_l("Start the application"))


class AboutForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    date_of_birth = DateField(_l("Date of birth"), validators=[DataRequired(message=_l("Enter a date of birth."))])
    grade_completed = SelectField(_l("Last grade completed"), choices=grade_choices)
    school = StringField(_l("School (optional)"), validators=[Optional(), Length(max=120)])
    zip_code = StringField(
        _l("Home ZIP code"),
        validators=[DataRequired(message=_l("Enter the 5-digit ZIP code.")),
                    Regexp(ZIP_PATTERN, message=_l("A ZIP code has 5 digits."))],
        description=_l("Used only to suggest mentors nearby."),
    )
    gender = SelectField(_l("Gender"), choices=lambda: choices([("", _l("Prefer not to say")), *GENDERS]))
    languages = CheckboxesField(
        _l("Languages spoken at home"), choices=language_choices,
        validators=[at_least_one(_l("Choose at least one language."))],
    )
    submit = SubmitField(_l("Save and continue"))

    def validate_date_of_birth(self, field) -> None:
        if field.data > date.today():
            raise ValidationError(_l("The date of birth cannot be in the future."))
        # A young person's own account is for 13 and over; younger children apply through a guardian.
        if current_user.role is Role.YOUTH and too_young_for_own_account(field.data):
            raise ValidationError(_l("Ask a parent or guardian to create an account and apply for you."))

    def validate_zip_code(self, field) -> None:
        if field.data and len(field.data) == 5 and field.data.isdigit() and not zip_is_real(field.data):
            raise ValidationError(_l("We do not know that ZIP code. Check the five digits."))


class InterestsForm(FlaskForm):
    interests = CheckboxesField(
        _l("Interests"), choices=interest_choices,
        validators=[at_least_one(_l("Choose at least one interest."))],
    )
    goals = TextAreaField(
        _l("Goals: what would you like to get from a mentor?"),
        validators=[DataRequired(message=_l("Tell us a little about the goals.")), Length(max=2000)],
        description=_l("A few sentences are enough."),
    )
    submit = SubmitField(_l("Save and continue"))


class AvailabilityForm(FlaskForm):
    availability = CheckboxesField(
        _l("When can you meet?"), choices=slot_choices,
        validators=[at_least_one(_l("Choose at least one time you can meet."))],
    )
    submit = SubmitField(_l("Save and continue"))


class PreferencesForm(FlaskForm):
    mentor_gender_preference = SelectField(
        _l("Mentor's gender"), choices=lambda: choices([("", _l("No preference")), *GENDERS[:2]])
    )
    required_language = SelectField(
        _l("The mentor must speak"),
        choices=lambda: choices([("", _l("Any language")), *LANGUAGE_LABELS.items()]),
    )
    max_travel_miles = IntegerField(
        _l("Farthest you can travel to meet (miles, optional)"),
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("Enter a distance from 1 to 100 miles."))],
    )
    submit = SubmitField(_l("Save and continue"))


class ConsentFields(FlaskForm):
    relation = SelectField(_l("Your relation to the young person"), choices=lambda: choices(RELATIONS))
    typed_signature = StringField(
        _l("Type your full name as your signature"),
        validators=[Length(max=160)],
    )
    agree = BooleanField(_l("I have read the information above and I consent to this application."))

    def wants_consent(self) -> bool:
        return True

    def validate_typed_signature(self, field) -> None:
        if self.wants_consent() and len((field.data or "").split()) < 2:
            raise ValidationError(_l("Type your first and last name."))

    def validate_agree(self, field) -> None:
        if self.wants_consent() and not field.data:
            raise ValidationError(_l("Tick the box to give consent."))


class GuardianSubmitForm(ConsentFields):
    submit = SubmitField(_l("Give consent and submit"))


class ConsentAgainForm(ConsentFields):
    submit = SubmitField(_l("Give consent again"))


class YouthSubmitForm(FlaskForm):
    guardian_email = EmailField(
        _l("Parent or guardian's e-mail"),
        validators=[DataRequired(message=_l("We need a parent or guardian's e-mail to ask for consent.")),
                    Email(), Length(max=254)],
        description=_l("We e-mail them a link to read about the program and consent."),
    )
    submit = SubmitField(_l("Submit and ask for consent"))


class AdultSubmitForm(FlaskForm):
    submit = SubmitField(_l("Submit the application"))


class ConsentByLinkForm(ConsentFields):
    consent = SubmitField(_l("Give consent"))
    decline = SubmitField(_l("Decline"))

    def wants_consent(self) -> bool:
        return not self.decline.data


class AcceptMentorForm(FlaskForm):
    submit = SubmitField(_l("Accept this mentor"))


class DeclineMentorForm(FlaskForm):
    decline_reason = TextAreaField(
        _l("Why are you declining this mentor?"),
        validators=[DataRequired(message=_l("Tell the coordinator why, so the next proposal fits better.")),
                    Length(max=1000)],
    )
    submit = SubmitField(_l("Decline this mentor"))


class WithdrawForm(FlaskForm):
    withdraw_reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Withdraw the application"))


class WithdrawConsentForm(FlaskForm):
    withdrawal_reason = TextAreaField(
        _l("Why are you withdrawing consent?"),
        validators=[DataRequired(message=_l("Give a short reason for the coordinator.")), Length(max=1000)],
    )
    submit = SubmitField(_l("Withdraw consent"))


class ResendConsentForm(FlaskForm):
    submit = SubmitField(_l("Send the request again"))


class DeleteDataForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(
        _l("I understand: our details are erased, open applications are withdrawn and this account is closed."),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete our data"))
