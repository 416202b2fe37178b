"""CSV downloads that a spreadsheet opens as data, never as formulas."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from flask import Response

# A spreadsheet runs a cell that starts with one of these as a formula (tab and carriage
# return too, once it strips them), so a program named "=HYPERLINK(...)" would become a link.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text cell that cannot start a formula: a leading apostrophe keeps it as text.

    Numbers are left alone, so -3 stays a number; only text is changed.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """The header and rows as CSV text, every text cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Response:
    """A CSV download named `filename`."""
    return Response(csv_text(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
