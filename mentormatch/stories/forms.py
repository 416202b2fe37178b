"""Forms of a story: the text in English and Spanish, an optional photo, and the buttons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class StoryForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    body = TextAreaField("The story", validators=[DataRequired(), Length(max=6000)],
                         description="First names only. No surname, school, street, ZIP code or anything that "
                                     "locates the young person.")
    title_es = StringField("Title in Spanish (optional)", validators=[Optional(), Length(max=160)])
    body_es = TextAreaField("The story in Spanish (optional)", validators=[Optional(), Length(max=6000)])
    photo = FileField("Photo (optional, JPEG, PNG or WebP)", validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], message="Upload a JPEG, PNG or WebP photo.")],
        description="We re-encode it and remove its hidden data (place, date, camera).")
    remove_photo = BooleanField("Remove the photo")
    submit = SubmitField("Save the draft")


class StoryButtonForm(FlaskForm):
    submit = SubmitField(_l("Save"))

# The story's status as a family reads it; listed so the Spanish catalog carries the model's labels.
MODEL_LABELS = (
    _l("Draft"), _l("Waiting for the family's approval"), _l("Approved by the family"), _l("Published"),
    _l("Withdrawn"),
)
