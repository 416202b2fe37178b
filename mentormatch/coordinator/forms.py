"""Coordinator forms: review decisions, clearances, matching settings and proposal decisions."""
from __future__ import annotations

from datetime import date, timedelta

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
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from mentormatch.formkit import FloatField, choices
from mentormatch.models import ApplicationStatus

AGE_CHOICES = [("", "Any age")] + [(str(a), str(a)) for a in range(10, 22)]


class SearchForm(FlaskForm):
    """Filters read from the query string; nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Name", validators=[Optional(), Length(max=80)])
    program = SelectField("Program", validate_choice=False)
    status = SelectField(
        "Status",
        choices=choices([("", "Any status")] + [(s.value, s.label) for s in ApplicationStatus]),
        validate_choice=False,
    )
    age = SelectField("Age", choices=choices(AGE_CHOICES), validate_choice=False)


class WaitlistFilterForm(FlaskForm):
    class Meta:
        csrf = False

    age = SelectField("Age", choices=choices(AGE_CHOICES), validate_choice=False)
    language = StringField("Language", validators=[Optional(), Length(max=40)])
    gender = SelectField("Gender", validate_choice=False)
    zip_code = StringField("ZIP code", validators=[Optional(), Length(max=10)])


DECISIONS = {
    "eligible": (ApplicationStatus.WAITLISTED, "Eligible: add to the waitlist"),
    "ineligible": (ApplicationStatus.INELIGIBLE, "Not eligible"),
    "info": (ApplicationStatus.INFO_REQUESTED, "Ask the family for missing information"),
}


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=choices([(k, v[1]) for k, v in DECISIONS.items()]),
                          validators=[InputRequired(message="Choose a decision.")])
    reason = TextAreaField(
        "Reason or message to the family",
        description="Required when the applicant is not eligible or information is missing; "
                    "the family reads it in their e-mail.",
        validators=[Length(max=2000)],
    )
    submit = SubmitField("Record decision")

    def validate_reason(self, field) -> None:
        if self.decision.data in ("ineligible", "info") and not (field.data or "").strip():
            raise ValidationError("Write the reason or the information needed; the family will read it.")


class VerifyClearanceForm(FlaskForm):
    outcome = SelectField("Outcome", choices=choices([("passed", "Passed"), ("failed", "Failed")]))
    submit = SubmitField("Verify")


class InterviewForm(FlaskForm):
    held_on = DateField("Interview date", validators=[InputRequired(message="Give the interview date.")])
    passed = BooleanField("The mentor passed the interview", default=True)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Record interview")

    def validate_held_on(self, field) -> None:
        if field.data and field.data > date.today():
            raise ValidationError("An interview cannot be recorded before it is held.")
        if field.data and field.data < date.today() - timedelta(days=3650):
            raise ValidationError("Give the date of a recent interview.")


class MentorStatusForm(FlaskForm):
    action = SelectField("Action", choices=choices([("approve", "Approve for matching"),
                                                    ("suspend", "Suspend")]))
    reason = TextAreaField("Reason", validators=[Length(max=2000)])
    submit = SubmitField("Save")

    def validate_reason(self, field) -> None:
        if self.action.data == "suspend" and not (field.data or "").strip():
            raise ValidationError("Say why the mentor is suspended.")


def _weight(label: str) -> FloatField:
    return FloatField(label, validators=[InputRequired(message="Give a weight (0 or more)."),
                                         NumberRange(min=0, max=100)])


class SettingsForm(FlaskForm):
    weight_interests = _weight("Weight: shared interests")
    weight_text = _weight("Weight: goals and experience")
    weight_languages = _weight("Weight: languages")
    weight_availability = _weight("Weight: availability")
    weight_distance = _weight("Weight: distance")
    weight_experience = _weight("Weight: experience with youth")
    distance_scale_miles = FloatField("Distance scale (miles)",
                                      validators=[InputRequired(), NumberRange(min=0.1, max=500)])
    default_max_travel_miles = FloatField(
        "Travel limit for youth who gave none (miles, empty for none)",
        validators=[Optional(), NumberRange(min=0.1, max=500)],
    )
    wait_priority_weight = FloatField("Priority for long waits",
                                      validators=[InputRequired(), NumberRange(min=0, max=10)])
    wait_full_days = IntegerField("Days of waiting for full priority",
                                  validators=[InputRequired(), NumberRange(min=1, max=3650)])
    require_shared_slot = BooleanField("Require at least one shared weekly time slot")
    submit = SubmitField("Save settings")

    def validate_weight_experience(self, field) -> None:
        weights = [getattr(self, f"weight_{f}").data for f in
                   ("interests", "text", "languages", "availability", "distance", "experience")]
        if all(w is not None for w in weights) and sum(weights) <= 0:
            raise ValidationError("At least one weight must be above 0.")


class RunForm(FlaskForm):
    submit = SubmitField("Run matching")


class ApproveForm(FlaskForm):
    submit = SubmitField("Approve")


class RejectForm(FlaskForm):
    reason = StringField("Reason for rejecting",
                         validators=[InputRequired(message="Say why this pair is rejected."),
                                     Length(max=2000)])
    submit = SubmitField("Reject")


class SwapForm(FlaskForm):
    mentor_id = IntegerField("Mentor", validators=[InputRequired()])
    submit = SubmitField("Swap to this mentor")


class DoNotMatchForm(FlaskForm):
    reason = StringField("Reason this pair must never be matched",
                         validators=[InputRequired(message="Give the reason."), Length(max=2000)])
    submit = SubmitField("Never match this pair")


class HandPickForm(FlaskForm):
    mentor_id = IntegerField("Mentor", validators=[InputRequired()])
    submit = SubmitField("Approve this mentor")


class LiftPairForm(FlaskForm):
    reason = StringField("Why this pair may be proposed again",
                         validators=[InputRequired(message="Give the reason for allowing the pair again."),
                                     Length(max=2000)])
    submit = SubmitField("Allow this pair again")


class ConfirmConsentForm(FlaskForm):
    note = StringField("How you confirmed the guardian (a call to a known number, in person)",
                       validators=[InputRequired(message="Say how you confirmed the guardian."), Length(max=500)])
    submit = SubmitField("Consent confirmed")


class ResumeMatchForm(FlaskForm):
    note = StringField("What was settled",
                       validators=[InputRequired(message="Say what was settled before the match goes on."),
                                   Length(max=1000)])
    submit = SubmitField("Let the match go on")


class RetryMessageForm(FlaskForm):
    submit = SubmitField("Try again")
