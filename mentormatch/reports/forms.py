"""The report filter and the learning page's adopt button."""
from __future__ import annotations

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

    def validate_end(self, field) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end comes before the start.")


class AdoptWeightsForm(FlaskForm):
    submit = SubmitField("Adopt the learned weights for this program")
