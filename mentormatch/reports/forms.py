"""The report filter and the learning page's adopt button."""
from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional, ValidationError


class ReportFilterForm(FlaskForm):
    class Meta:
        # A filter only reads; its URL can be bookmarked and shared, so it carries no token.
        csrf = False

    program = SelectField("Program", validators=[Optional()])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])

    def validate_start(self, field) -> None:
        _within_reach(field.data)

    def validate_end(self, field) -> None:
        _within_reach(field.data)
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end comes before the start.")


EARLIEST = date(1990, 1, 1)


def _within_reach(day: date | None) -> None:
    # A program's history starts in this century; far dates would only make empty, huge charts.
    if day is not None and not EARLIEST <= day <= date.today() + timedelta(days=366):
        raise ValidationError(f"Choose a date between {EARLIEST.isoformat()} and next year.")


class LearnForm(FlaskForm):
    submit = SubmitField("Learn from this program's outcomes now")


class AdoptModelForm(FlaskForm):
    submit = SubmitField("Use this model for the program's matching runs")


class SetAsideModelForm(FlaskForm):
    submit = SubmitField("Stop using the learned model")
