"""Mentor profile and clearance forms."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
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

from mentormatch.family.forms import ZIP_PATTERN, CheckboxesField, at_least_one, zip_is_real
from mentormatch.family.vocabulary import GENDERS, interest_choices, language_choices, slot_choices
from mentormatch.formkit import DecimalField, choices
from mentormatch.models import ClearanceKind


class ProfileForm(FlaskForm):
    agency = StringField("Agency or organization", validators=[DataRequired(), Length(max=120)])
    unit = StringField("Unit or team (optional)", validators=[Optional(), Length(max=120)])
    badge_number = StringField("Badge or staff number (optional)", validators=[Optional(), Length(max=40)])
    years_of_service = IntegerField(
        "Years of service",
        validators=[InputRequired(message="Enter a number (0 is fine)."), NumberRange(min=0, max=60)],
    )
    youth_experience_years = DecimalField(
        "Years of experience with young people",
        places=1,
        validators=[InputRequired(message="Enter a number (0 is fine)."), NumberRange(min=0, max=60)],
        description="Coaching, teaching, youth ministry, Explorer advising and the like.",
    )
    work_email = EmailField(
        "Work or program e-mail",
        validators=[Optional(), Email(message="Enter an e-mail address, such as d.reyes@police.example.gov."),
                    Length(max=254)],
        description="What a family sees once they accept the match; your own address stays private.",
    )
    work_phone = StringField(
        "Work or program phone (optional)", validators=[Optional(), Length(max=32)],
        description="A desk or program phone. Whether families also see your own phone is the program's rule.",
    )
    bio = TextAreaField(
        "About you and your experience with youth",
        validators=[DataRequired(message="A few sentences help us propose good matches."), Length(max=3000)],
    )
    interests = CheckboxesField("Interests", choices=interest_choices,
                                validators=[at_least_one("Choose at least one interest.")])
    languages = CheckboxesField("Languages you speak", choices=language_choices,
                                validators=[at_least_one("Choose at least one language.")])
    gender = SelectField("Gender", choices=lambda: choices([("", "Prefer not to say"),
                                                            *((v, str(label)) for v, label in GENDERS)]))
    zip_code = StringField(
        "ZIP code where you would meet",
        validators=[DataRequired(message="Enter the 5-digit ZIP code."),
                    Regexp(ZIP_PATTERN, message="A ZIP code has 5 digits.")],
    )
    availability = CheckboxesField("When can you meet?", choices=slot_choices,
                                   validators=[at_least_one("Choose at least one time you can meet.")])
    programs = CheckboxesField("Programs you would mentor in", coerce=int,
                               validators=[at_least_one("Choose at least one program.")])
    capacity = IntegerField(
        "How many mentees at once",
        validators=[InputRequired(message="Enter a number (0 pauses new matches)."), NumberRange(min=0, max=10)],
        description="0 keeps your current mentees but takes you out of new matches.",
    )
    submit = SubmitField("Save profile")

    def validate_zip_code(self, field) -> None:
        if field.data and len(field.data) == 5 and field.data.isdigit() and not zip_is_real(field.data):
            raise ValidationError("We do not know that ZIP code. Check the five digits.")


class ClearanceForm(FlaskForm):
    kind = SelectField("Clearance", choices=lambda: choices((k.value, k.label) for k in ClearanceKind))
    completed_on = DateField("Completed on", validators=[DataRequired(message="Enter the date it was completed.")])
    expires_on = DateField(
        "Expires on (optional)", validators=[Optional()],
        description="Left empty: background check 3 years, trainings 2 years, interview does not expire.",
    )
    reference = StringField("Reference or certificate number (optional)", validators=[Optional(), Length(max=80)])
    submit = SubmitField("Record clearance")

    def validate_completed_on(self, field) -> None:
        if field.data and field.data > date.today():
            raise ValidationError("The completion date cannot be in the future.")

    def validate_expires_on(self, field) -> None:
        if field.data and self.completed_on.data and field.data < self.completed_on.data:
            raise ValidationError("The expiry date must be after the completion date.")
