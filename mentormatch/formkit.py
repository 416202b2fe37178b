"""Small pieces every feature's forms share."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField as _DecimalField
from wtforms import FloatField as _FloatField
from wtforms import SelectChoice
from wtforms.validators import StopValidation


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
