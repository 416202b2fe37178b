"""A list of referrals from a CSV or Excel file: every row read, checked and shown before anything
is saved.

The preview keeps the rows as read (plain text); confirming checks them again, so a row that
became a duplicate since the preview is caught, and saves every valid row in one transaction.
"""
from __future__ import annotations

import csv
import io
import json
import warnings
from dataclasses import dataclass, field
from typing import Optional

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from mentormatch.extensions import db
from mentormatch.models import AgeBand, Program
from mentormatch.partners.forms import REASON_MAX
from mentormatch.partners.referrals import ReferralData, open_duplicate

COLUMNS = ("family_email", "language", "child_first_name", "age_band", "programs", "reason", "family_agreed")
REQUIRED_COLUMNS = ("family_email", "child_first_name", "age_band", "programs", "family_agreed")
MAX_ROWS = 500
MAX_BYTES = 1_000_000
YES = {"yes", "y", "true", "1", "x", "si", "sí"}
LANGUAGES = {"en": "en", "english": "en", "es": "es", "spanish": "es", "español": "es", "espanol": "es"}


class UnreadableFile(ValueError):
    """The file as a whole could not be read; the message says why."""


@dataclass
class PreviewRow:
    number: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    data: Optional[ReferralData] = None

    @property
    def ok(self) -> bool:
        return not self.errors


def read_upload(filename: str, content: bytes) -> list[dict[str, str]]:
    """The file's rows as dicts of the known columns; the first row names the columns."""
    if len(content) > MAX_BYTES:
        raise UnreadableFile("The file is larger than 1 MB; split it into smaller lists.")
    table = _xlsx_rows(content) if filename.lower().endswith(".xlsx") else _csv_rows(content)
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise UnreadableFile("The file is empty.")
    header = [cell.strip().lower().replace(" ", "_") for cell in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UnreadableFile("The first row must name the columns; missing: " + ", ".join(missing) + ".")
    rows = table[1:]
    if not rows:
        raise UnreadableFile("The file has column names but no referrals.")
    if len(rows) > MAX_ROWS:
        raise UnreadableFile(f"The file has {len(rows)} referrals; upload at most {MAX_ROWS} at a time.")
    return [{name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header) if name in COLUMNS}
            for row in rows]


def _csv_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise UnreadableFile("The file could not be read as text.")
    try:
        return [list(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise UnreadableFile(f"The file could not be read as CSV: {error}.") from None


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # Workbooks from other programs carry styles openpyxl warns about; only the values matter.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = [["" if cell is None else str(cell) for cell in row]
                    for row in sheet.iter_rows(max_row=MAX_ROWS + 2, values_only=True)]
            book.close()
            return rows
    except Exception:
        raise UnreadableFile("The file could not be read as an Excel workbook (.xlsx).") from None


def _programs_by_name() -> dict[str, Program]:
    programs = db.session.scalars(sa.select(Program).where(Program.is_active))
    found = {}
    for program in programs:
        found[program.name.lower()] = program
        found[program.slug.lower()] = program
    return found


def preview(rows: list[dict[str, str]]) -> list[PreviewRow]:
    """Check every row: each comes back OK, with what would be saved, or with all its errors."""
    programs = _programs_by_name()
    seen: dict[tuple[str, str], int] = {}
    checked = []
    for number, values in enumerate(rows, start=2):
        row = PreviewRow(number, {c: values.get(c, "") for c in COLUMNS})
        _check_row(row, programs, seen)
        checked.append(row)
    return checked


def _check_row(row: PreviewRow, programs: dict[str, Program], seen: dict[tuple[str, str], int]) -> None:
    values, errors = row.values, row.errors
    email = values["family_email"].lower()
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors.append(f"Bad e-mail address: “{values['family_email']}”." if email else "The family's e-mail is missing.")
    language = LANGUAGES.get(values["language"].lower() or "en")
    if language is None:
        errors.append("Language must be en (English) or es (Spanish).")
    name = values["child_first_name"]
    if not name:
        errors.append("The child's first name is missing.")
    elif len(name) > 80:
        errors.append("The child's first name is longer than 80 characters.")
    band = next((b for b in AgeBand if b.value == values["age_band"].replace("–", "-").replace(" ", "")), None)
    if band is None:
        errors.append("Age band must be one of " + ", ".join(b.value for b in AgeBand) + ".")
    chosen, unknown = [], []
    for part in values["programs"].replace(",", ";").split(";"):
        part = part.strip()
        if part:
            (chosen if part.lower() in programs else unknown).append(programs.get(part.lower(), part))
    for part in unknown:
        errors.append(f"Unknown program: “{part}”.")
    if not chosen and not unknown:
        errors.append("Suggest at least one program.")
    if len(values["reason"]) > REASON_MAX:
        errors.append(f"The reason is longer than {REASON_MAX} characters.")
    if values["family_agreed"].lower() not in YES:
        errors.append("The family must have agreed to be contacted (family_agreed: yes).")
    if email and name:
        key = (email, name.lower())
        if key in seen:
            errors.append(f"Duplicate of row {seen[key]}.")
        else:
            seen[key] = row.number
            if open_duplicate(email, name) is not None:
                errors.append("Duplicate of an open referral.")
    if not errors:
        row.data = ReferralData(family_email=email, family_locale=language, child_first_name=name, age_band=band,
                                programs=list(dict.fromkeys(chosen)), reason=values["reason"], family_agreed=True)


def to_hidden(rows: list[dict[str, str]]) -> str:
    return json.dumps(rows, ensure_ascii=False)


def from_hidden(text: str) -> list[dict[str, str]]:
    """The rows the preview showed, as the confirm form sends them back."""
    try:
        rows = json.loads(text or "[]")
    except ValueError:
        raise UnreadableFile("The preview was lost; upload the file again.") from None
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ROWS or \
            not all(isinstance(r, dict) and all(isinstance(v, str) for v in r.values()) for r in rows):
        raise UnreadableFile("The preview was lost; upload the file again.")
    return [{c: r.get(c, "")[:2000] for c in COLUMNS} for r in rows]
