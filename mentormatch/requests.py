"""The app's request class: query and form values arrive without NUL characters.

No browser sends NUL in a form, PostgreSQL's text columns cannot hold one, and a
search for one would fail deep in the database driver; dropping it as values are
parsed keeps every view and form free of that case.
"""
from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items


def _clean(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_clean(key), _clean(value)) for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)


class MentorMatchRequest(Request):
    parameter_storage_class = NulFreeMultiDict
