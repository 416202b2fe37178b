"""Whole-table figures (median waits, cadence counts) are reused between views and never outlive a change."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentormatch import figures
from mentormatch.extensions import db
from mentormatch.models import AuditEvent, DomainEvent, Role, utcnow
from tests.builders import PASSWORD, make_application, make_program, make_user, make_youth


@pytest.fixture
def coordinator(browser):
    user = make_user(Role.COORDINATOR)
    assert browser.login(user.email, PASSWORD).status_code == 302
    return user


def median_waits_by_gender(browser, program_id: int) -> str:
    page = browser.get(f"/coordinator/programs/{program_id}/waitlist").get_data(as_text=True)
    return page.split("<caption>By gender</caption>")[1].split("</table>")[0]


def test_a_youth_joining_the_waitlist_shows_in_the_median_waits_at_once(browser, coordinator):
    program = make_program()
    make_application(make_youth(15, gender="female"), program, waiting_since=utcnow() - timedelta(days=40))
    assert "<td>Female</td><td>1</td><td>40</td><td>40</td>" in median_waits_by_gender(browser, program.id)
    make_application(make_youth(16, gender="female"), program, waiting_since=utcnow() - timedelta(days=10))
    assert "<td>Female</td><td>2</td><td>25.0</td><td>40</td>" in median_waits_by_gender(browser, program.id)


def test_figures_are_computed_once_until_a_change(app):
    calls = []

    def compute(program_id):
        calls.append(program_id)
        return len(calls)

    with app.test_request_context():
        assert figures.cached("count", compute, 7) == 1
        assert figures.cached("count", compute, 7) == 1
        assert figures.cached("count", compute, 8) == 2, "other arguments are another figure"
        make_application(make_youth(15), make_program())  # a change committed on this server
        assert figures.cached("count", compute, 7) == 3


def test_a_change_recorded_by_another_server_makes_this_one_compute_again(app):
    """Another server's commit does not pass through this server's sessions: the newest domain event tells."""
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    def request_for_figure():
        with app.test_request_context():
            return figures.cached("figure", compute)

    def another_server_changes(kind):
        # What record_audit writes there: the audit row and the domain event.
        with db.engine.begin() as other_server:
            other_server.execute(sa.insert(AuditEvent).values(action=kind, object_type="applications",
                                                              object_id=1, details={}, at=utcnow()))
            other_server.execute(sa.insert(DomainEvent).values(kind=kind, object_type="applications", object_id=1,
                                                               data={}, quiet=False, attempts=0, created_at=utcnow(),
                                                               dispatched_at=utcnow()))

    def another_server_reads(action):
        # What record_read writes there: the audit row only.
        with db.engine.begin() as other_server:
            other_server.execute(sa.insert(AuditEvent).values(action=action, object_type="applications",
                                                              object_id=1, details={}, at=utcnow()))

    assert request_for_figure() == 1
    assert request_for_figure() == 1
    another_server_changes("application.waitlisted")
    assert request_for_figure() == 2
    assert request_for_figure() == 2
    another_server_reads("application.view")
    assert request_for_figure() == 2, "a staff member reading a record changes nothing"


def test_no_figure_outlives_its_maximum_age(app):
    app.extensions["mentormatch.figures"].max_age = 0
    calls = []
    with app.test_request_context():
        figures.cached("figure", lambda: calls.append(1))
        figures.cached("figure", lambda: calls.append(1))
    assert len(calls) == 2
