"""Small pieces every feature's forms share."""
from __future__ import annotations

from typing import Iterable

from wtforms import SelectChoice


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs, in the form WTForms 3.3 asks for."""
    return [SelectChoice(value, label) for value, label in pairs]
