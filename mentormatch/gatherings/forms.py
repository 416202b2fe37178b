"""Forms for events, answers and attendance."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from mentormatch.formkit import choices
from mentormatch.models import Audience, GatheringKind

from mentormatch.gatherings.service import MAX_GUESTS


class GatheringForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    kind = SelectField("Kind", choices=choices([(k.value, k.label) for k in GatheringKind]))
    description = TextAreaField("What to expect (optional)", validators=[Optional(), Length(max=4000)])
    day = DateField("Day", validators=[DataRequired(message="Enter the day.")])
    starts = TimeField("Starts at", validators=[DataRequired(message="Enter the start time.")])
    ends = TimeField("Ends at", validators=[DataRequired(message="Enter the end time.")])
    place = StringField("Place", validators=[DataRequired(), Length(max=200)])
    capacity = IntegerField("Places (people, guests included; empty for no limit)",
                            validators=[Optional(), NumberRange(min=1, max=5000)])
    audience = SelectField("Who may come", choices=choices([(a.value, a.label) for a in Audience]))
    program_id = SelectField("Program (for families in a program)", coerce=int)
    partner_id = SelectField("Co-hosted with", coerce=int)
    submit = SubmitField("Save")

    def validate_ends(self, field) -> None:
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError("The end must be after the start.")

    def validate_program_id(self, field) -> None:
        if self.audience.data == Audience.PROGRAM_FAMILIES.value and not field.data:
            raise ValidationError("Choose the program whose families are invited.")


class RsvpForm(FlaskForm):
    guests = IntegerField(_l("Guests coming with you"), default=0,
                          validators=[InputRequired(message=_l("Enter a number (0 is fine).")),
                                      NumberRange(min=0, max=MAX_GUESTS,
                                                  message=_l("Up to %(n)s guests.", n=MAX_GUESTS))])
    submit = SubmitField(_l("I'm coming"))


class CancelRsvpForm(FlaskForm):
    submit = SubmitField(_l("I can't come"))


class AttendanceForm(FlaskForm):
    attended = HiddenField()


class ButtonForm(FlaskForm):
    submit = SubmitField(_l("Save"))

# Labels the models define in English and family pages show; listed so the Spanish catalog carries them.
MODEL_LABELS = (
    _l("Explorer meeting"), _l("Coffee with a Cop"), _l("Community day"), _l("Training"), _l("Group outing"),
    _l("Everyone"), _l("Families in a program"), _l("Mentors"), _l("Matched mentors and families"),
    _l("Going"), _l("On the waitlist"), _l("Cancelled"),
)
