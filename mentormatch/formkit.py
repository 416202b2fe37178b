"""Small pieces every feature's forms share."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Iterable

import wtforms.widgets
import wtforms.widgets.core
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import DecimalField as _DecimalField
from wtforms import FloatField as _FloatField
from wtforms import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets.core import clean_key


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs, in the form WTForms 3.3 asks for."""
    return [SelectChoice(value, label) for value, label in pairs]


NOT_A_NUMBER = _l("Enter a number, such as 2 or 2.5.")


class _FiniteNumber:
    """A number field that takes only ordinary numbers.

    Python reads "nan", "sNaN" and "Infinity" as numbers; stored, they would break every
    comparison and score that uses them, and a signalling NaN raises as soon as it is compared.
    """

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            # Nothing typed: InputRequired or Optional says what that means for this field.
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(NOT_A_NUMBER) from None
        if self.data is not None and not _is_finite(self.data):
            self.data = None
            raise ValueError(NOT_A_NUMBER)

    def pre_validate(self, form):
        # One clear message for text that is not a number, not a second one about its range.
        if self.process_errors:
            raise StopValidation()
        super().pre_validate(form)


def _is_finite(value) -> bool:
    # math.isfinite cannot take a signalling NaN; Decimal answers for itself.
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


class DecimalField(_FiniteNumber, _DecimalField):
    """WTForms' DecimalField, refusing NaN and infinity with a clear message.

    A stored number is shown as a person would type it: "0" and "2.5", never "0.0".
    """

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(Decimal(str(self.data)).normalize(), "f")


class FloatField(_FiniteNumber, _FloatField):
    """WTForms' FloatField, refusing NaN and infinity with a clear message."""


def html_params(**attributes) -> Markup:
    """The attributes of a field's tag: the same text as WTForms' `html_params`, five times faster.

    WTForms formats each attribute through `Markup.format`, which escapes through Python's
    general string formatter: about 6 microseconds an attribute, so a form of seven fields or a
    select of fifty options spent most of its rendering there. This escapes each name and value
    once and joins plain strings. Same rules: sorted by name, `class_` and `data_`/`aria_` names
    cleaned, True writes the bare name, False leaves the attribute out, and a double quote in
    a value already marked safe is written as `&quot;`.
    """
    parts = []
    for name, value in sorted(attributes.items()):
        if value is False:
            continue
        name = escape(clean_key(name))
        if value is True:
            parts.append(name)
        else:
            parts.append(f'{name}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(parts))


# WTForms' own, which the tests hold the one above to.
WTFORMS_HTML_PARAMS = wtforms.widgets.core.html_params


def use_fast_html_params() -> None:
    """Every WTForms widget renders its attributes with `html_params` above."""
    wtforms.widgets.core.html_params = html_params
    wtforms.widgets.html_params = html_params
    wtforms.widgets.core.Input.html_params = staticmethod(html_params)
    wtforms.widgets.core.Button.html_params = staticmethod(html_params)
