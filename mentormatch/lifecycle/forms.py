"""Forms for the first meeting, the commitment, check-ins and closure."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from mentormatch.contact import MENTOR_MEETING_METHODS
from mentormatch.formkit import choices
from mentormatch.models import CheckInParty, ClosureReason, ContactMethod

# How staff reach the mentor, the youth or the guardian for a support check-in.
STAFF_CONTACT_METHODS = (ContactMethod.IN_PERSON, ContactMethod.PHONE, ContactMethod.VIDEO, ContactMethod.MESSAGE)
CONTACT_RULES = (
    ("none", "No contact between mentor and youth after closure"),
    ("program", "Contact only at program events, with staff present"),
    ("guardian", "Contact allowed with the guardian's written permission"),
    ("adult", "The youth is an adult; contact is their own choice"),
)
YES_NO = choices([("yes", "Yes"), ("no", "No")])


def not_in_future(form, field) -> None:
    if field.data is not None and field.data > date.today():
        raise ValidationError(_l("This date is in the future."))


class FirstMeetingForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired()])
    at = TimeField("Time", validators=[InputRequired()])
    place = StringField("Place", validators=[DataRequired(), Length(max=200)])
    staff_member = SelectField("Staff member present", validators=[DataRequired()])
    # Ids of their own: the commitment form on the same page has a guardian_name field too.
    guardian_name = StringField("Guardian attending", validators=[Length(max=160)],
                                description="Required when the youth is under 18.", id="meeting-guardian-name")
    others = StringField("Others attending (optional)", validators=[Optional(), Length(max=300)])
    submit = SubmitField("Save the first meeting")

    def __init__(self, *args, minor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.minor = minor

    def validate_guardian_name(self, field) -> None:
        if self.minor and not (field.data or "").strip():
            raise ValidationError("The youth is under 18: name the guardian who attends.")


class MeetingHeldForm(FlaskForm):
    held_on = DateField("Date held", validators=[InputRequired(), not_in_future])
    submit = SubmitField("Record that it was held")


class CommitmentForm(FlaskForm):
    mentor_name = StringField("Mentor's typed name", validators=[DataRequired(), Length(max=160)])
    youth_name = StringField("Youth's typed name", validators=[DataRequired(), Length(max=160)])
    guardian_name = StringField("Guardian's typed name", validators=[Length(max=160)],
                                description="Required when the youth is under 18.", id="commitment-guardian-name")
    staff_name = StringField("Staff member's typed name", validators=[DataRequired(), Length(max=160)])
    signed_on = DateField("Date signed", validators=[InputRequired(), not_in_future])
    submit = SubmitField("Record the signed commitment")

    def __init__(self, *args, minor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.minor = minor

    def validate_guardian_name(self, field) -> None:
        if self.minor and not (field.data or "").strip():
            raise ValidationError("The youth is under 18: the guardian signs too.")


class MeetingPlanForm(FlaskForm):
    meeting_plan = TextAreaField("Meeting plan", validators=[Length(max=2000)],
                                 description="Where and how often the pair meets; the mentor and family see it.")
    submit = SubmitField("Save the plan")


class CheckInForm(FlaskForm):
    occurred_on = DateField("Date", validators=[InputRequired(), not_in_future])
    party = SelectField("With whom", choices=choices([(p.value, p.label) for p in CheckInParty]))
    method = SelectField("How", choices=choices([(m.value, m.label) for m in STAFF_CONTACT_METHODS]))
    meetings_per_month = IntegerField("Meetings in the last month", validators=[Optional(), NumberRange(min=0, max=31)])
    relationship_quality = SelectField(
        "Relationship quality",
        choices=choices([("", "Not asked")] + [(str(n), f"{n} — {word}") for n, word in
                        ((1, "poor"), (2, "strained"), (3, "fair"), (4, "good"), (5, "excellent"))]),
    )
    safety_concern = BooleanField("There is a safety concern")
    notes = TextAreaField("Notes", validators=[Length(max=4000)])
    submit = SubmitField("Log the check-in")


# The ways a mentor may meet a young person under the program's rules (mentormatch.contact); a
# private message is not one of them.
MENTOR_METHOD_LABELS = {
    ContactMethod.IN_PERSON: _l("In person"),
    ContactMethod.PHONE: _l("Phone call with the guardian included"),
    ContactMethod.VIDEO: _l("Video call with the guardian included"),
    ContactMethod.GROUP_ACTIVITY: _l("Group activity (program event or outing)"),
}
assert tuple(MENTOR_METHOD_LABELS) == MENTOR_MEETING_METHODS


class MentorMeetingForm(FlaskForm):
    occurred_on = DateField(_l("Date of the meeting"), validators=[InputRequired(), not_in_future])
    method = SelectField(_l("How you met"), choices=choices([(m.value, l) for m, l in MENTOR_METHOD_LABELS.items()]))
    safety_concern = BooleanField(_l("I have a safety concern to report to the coordinator"))
    notes = TextAreaField(_l("What you did (optional)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Log the meeting"))


class ResolveConcernForm(FlaskForm):
    submit = SubmitField("Mark resolved")


class ClosureForm(FlaskForm):
    planned = RadioField("Was the closure planned?", choices=YES_NO, validators=[InputRequired()])
    reason = SelectField("Reason", choices=choices([(r.value, r.label) for r in ClosureReason]))
    mentor_notes = TextAreaField("Exit notes: mentor", validators=[Length(max=4000)])
    youth_notes = TextAreaField("Exit notes: youth", validators=[Length(max=4000)])
    guardian_notes = TextAreaField("Exit notes: guardian", validators=[Length(max=4000)])
    rematch = RadioField("Put the youth back on the waitlist for a new mentor?", choices=YES_NO,
                         validators=[InputRequired()],
                         description="Yes keeps their original place on the waitlist.")
    contact_rule = SelectField("Contact after closure", choices=choices(CONTACT_RULES))
    submit = SubmitField("Close the match")
