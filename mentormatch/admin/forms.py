"""Administration forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
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

from mentormatch.models import ContactPolicy, MatchFormat, ProgramKind, Role
from mentormatch.formkit import choices
from mentormatch.passwords import password_problem


class ProgramForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        "Short name for links",
        validators=[
            DataRequired(),
            Length(max=60),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message="Use lower-case letters, digits and dashes."),
        ],
    )
    kind = SelectField("Kind", choices=choices([(k.value, k.label) for k in ProgramKind]))
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000)])
    parent_information = TextAreaField(
        "Information for parents (shown before consent)", validators=[Optional(), Length(max=10000)]
    )
    description_es = TextAreaField(
        "Description in Spanish", validators=[Optional(), Length(max=4000)],
        description="Shown to families who read the service in Spanish; left empty, they read the English.",
    )
    parent_information_es = TextAreaField(
        "Information for parents in Spanish", validators=[Optional(), Length(max=10000)],
        description="Shown before consent to families who read Spanish; left empty, they read the English.",
    )
    contact_policy = SelectField(
        "What families see of their mentor's contact, once they accept the match",
        choices=choices([(p.value, p.label) for p in ContactPolicy]),
        description="Youth-protection practice: the mentor's work or program contact, where contact can be seen.",
    )
    min_age = IntegerField("Youngest age", validators=[InputRequired(), NumberRange(min=5, max=25)])
    max_age = IntegerField("Oldest age", validators=[InputRequired(), NumberRange(min=5, max=25)])
    min_grade_completed = IntegerField(
        "Grade that must be completed (optional)", validators=[Optional(), NumberRange(min=0, max=12)]
    )
    grade_rule_until_age = IntegerField(
        "Grade rule applies below this age (optional)", validators=[Optional(), NumberRange(min=5, max=25)]
    )
    match_format = SelectField("Format", choices=choices([(f.value, f.label) for f in MatchFormat]))
    default_capacity = IntegerField(
        "Default mentees per mentor", validators=[InputRequired(), NumberRange(min=0, max=50)]
    )
    checkins_first_month = IntegerField(
        "Check-ins in the first month", validators=[InputRequired(), NumberRange(min=0, max=10)]
    )
    checkin_interval_days = IntegerField(
        "Days between check-ins after the first month",
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )
    retention_years = IntegerField(
        "Years to keep a young person's records after their last application or match ends",
        validators=[InputRequired(), NumberRange(min=1, max=50)],
        description="Then the daily job anonymises them; reports keep their counts.",
    )
    is_active = BooleanField("Open for applications")
    submit = SubmitField("Save program")

    def validate_max_age(self, field) -> None:
        if self.min_age.data is not None and field.data is not None and field.data < self.min_age.data:
            raise ValidationError("The oldest age cannot be below the youngest.")

    def validate_grade_rule_until_age(self, field) -> None:
        if field.data is not None and self.min_grade_completed.data is None:
            raise ValidationError("Set the grade first, or leave this empty.")


class StaffForm(FlaskForm):
    first_name = StringField("First name", validators=[DataRequired(), Length(max=80)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=80)])
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        "Role", choices=choices([(Role.COORDINATOR.value, "Coordinator"), (Role.ADMIN.value, "Administrator")])
    )
    password = PasswordField("Initial password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Create account")

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "", self.email.data, self.first_name.data,
                                   self.last_name.data)
        if problem:
            raise ValidationError(problem)


class StaffActiveForm(FlaskForm):
    submit = SubmitField("Save")


class AnonymiseForm(FlaskForm):
    submit = SubmitField("Anonymise these records now")
