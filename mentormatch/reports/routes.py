"""The report page, its CSV exports, and the learning page."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mentormatch import filter_args
from mentormatch.access import admin_required, staff_required
from mentormatch.extensions import db
from mentormatch.models import Program
from mentormatch import queue
from mentormatch.access import is_htmx
from mentormatch.reports import bp, charts, figures, gaps, learning, learning_charts
from mentormatch.reports.forms import AdoptModelForm, LearnForm, ReportFilterForm, SetAsideModelForm
from mentormatch.spreadsheets import csv_response


def _programs() -> list[Program]:
    return list(db.session.scalars(sa.select(Program).order_by(Program.name)))


def _filter() -> tuple[ReportFilterForm, figures.Period]:
    """The filter from the query string, and the period it names (the last 12 months by default)."""
    programs = _programs()
    form = ReportFilterForm(request.args)
    form.program.choices = [("", "All programs")] + [(str(p.id), p.name) for p in programs]
    valid = form.validate()
    end = form.end.data if valid and form.end.data else date.today()
    start = form.start.data if valid and form.start.data else end - timedelta(days=365)
    program = next((p for p in programs if str(p.id) == form.program.data), None)
    return form, figures.Period(start, end, program)


@bp.route("/")
@staff_required
def index():
    """Figures, charts and recruitment gaps for a program and period."""
    form, period = _filter()
    report = figures.build(period)
    return render_template("reports/index.html", form=form, period=period, report=report,
                           summary=report.summary(), charts=charts.draw(report),
                           gaps=gaps.recruitment_gaps(period.program), programs=_programs(),
                           query=filter_args("program", "start", "end"))


# Each table a report can be downloaded as: its header and how its rows are read from the report.
TABLES = {
    "summary": (["figure", "value"], lambda report, period: [list(row) for row in report.summary()]),
    "closure-reasons": (["reason", "matches"],
                        lambda report, period: [[str(r.label), n] for r, n in report.closure_reasons]),
    "waiting": (["days waiting", "youth"], lambda report, period: [list(row) for row in report.wait_histogram()]),
    "matches-over-time": (["month", "open matches"],
                          lambda report, period: [list(row) for row in report.open_by_month()]),
    "survival": (["day", "share still open"],
                 lambda report, period: [[0, 1.0]] + [[d, round(s, 4)] for d, s in report.survival()[0]]),
    "recruitment-gaps": (["program", "youth", "need"],
                         lambda report, period: [[g.program, g.count, g.sentence]
                                                 for g in gaps.recruitment_gaps(period.program)]),
    "matches": (list(figures.MATCH_COLUMNS),
                lambda report, period: [[row[c] for c in figures.MATCH_COLUMNS] for row in report.matches_table()]),
}


@bp.route("/<name>.csv")
@staff_required
def export(name: str):
    """One report table as CSV, with no names, contact details or birth dates."""
    if name not in TABLES:
        abort(404)
    _form, period = _filter()
    header, rows = TABLES[name]
    return csv_response(f"mentormatch-{name}.csv", header, rows(figures.build(period), period))


def _program_or_404(program_id: int) -> Program:
    return db.get_or_404(Program, program_id)


@bp.route("/learning/<int:program_id>")
@admin_required
def show_learning(program_id: int):
    """What the program's own outcomes teach: the latest learned model's report, and the one in use."""
    program = _program_or_404(program_id)
    row = learning.latest(program)
    context = {"program": program, "row": row, "in_use": learning.in_use(program), "programs": _programs(),
               "learn_form": LearnForm(), "adopt_form": AdoptModelForm(), "set_aside_form": SetAsideModelForm(),
               "charts": learning_charts.draw(row.report) if row is not None and row.report else {}}
    template = "reports/_learning_status.html" if is_htmx() else "reports/learning.html"
    return render_template(template, **context)


@bp.route("/learning/<int:program_id>/learn", methods=["POST"])
@admin_required
def learn_now(program_id: int):
    """Ask a worker to learn from the program's outcomes; the page follows its progress."""
    program = _program_or_404(program_id)
    if LearnForm().validate_on_submit():
        learning.request_learning(program, current_user)
        queue.flush()
    return redirect(url_for("reports.show_learning", program_id=program.id))


@bp.route("/learning/<int:program_id>/adopt", methods=["POST"])
@admin_required
def adopt_model(program_id: int):
    """Make the latest learned model the one the program's runs score with, by explicit choice."""
    program = _program_or_404(program_id)
    row = learning.latest(program)
    if not AdoptModelForm().validate_on_submit() or row is None:
        flash("Nothing was adopted.", "error")
    else:
        try:
            learning.adopt(row, current_user)
        except learning.AdoptionRefused as refused:
            flash(str(refused), "error")
        else:
            flash(f"{program.name}'s next matching runs score with the learned model.", "success")
    return redirect(url_for("reports.show_learning", program_id=program.id))


@bp.route("/learning/<int:program_id>/set-aside", methods=["POST"])
@admin_required
def set_aside_model(program_id: int):
    """Go back to the weighted factors for the program's next runs."""
    program = _program_or_404(program_id)
    if SetAsideModelForm().validate_on_submit():
        try:
            learning.set_aside(program, current_user)
        except learning.AdoptionRefused as refused:
            flash(str(refused), "error")
        else:
            flash(f"{program.name}'s next matching runs score with the weighted factors again.", "success")
    return redirect(url_for("reports.show_learning", program_id=program.id))
