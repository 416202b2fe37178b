"""The proposals page and an approval issue the same number of SQL queries for 10 or 1,000 proposals."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    GuardianConsent,
    MatchingRun,
    MatchProposal,
    Role,
    RunStatus,
    Youth,
    utcnow,
)
from tests.support.statements import counting
from tests.builders import PASSWORD, born_years_ago, make_mentor, make_program, make_user

REASONS = [{"factor": "interests", "label": "Shared interests", "contribution": 0.3, "text": "Both into robotics"}]


def proposals_for(program, mentors, size: int) -> tuple[MatchingRun, list[int]]:
    """A finished run with `size` pending proposals, inserted in bulk."""
    run = MatchingRun(program=program, status=RunStatus.DONE, proposal_count=size)
    db.session.add(run)
    applications = []
    for n in range(size):
        youth = Youth(first_name=f"Youth{n}", last_name="Bulk", date_of_birth=born_years_ago(15),
                      zip_code="95823", languages=["English"], interests=["robotics"], availability=["tue-evening"])
        application = Application(youth=youth, program=program, status=ApplicationStatus.WAITLISTED,
                                  waiting_since=utcnow() - timedelta(days=n % 90))
        application.consents.append(GuardianConsent(guardian_email="g@example.org", relation="Mother",
                                                    typed_signature="Pat Bulk", consented_at=utcnow()))
        applications.append(application)
    db.session.add_all(applications)
    db.session.flush()
    mentor_ids = [m.id for m in mentors]
    proposals = [MatchProposal(run_id=run.id, application_id=a.id, mentor_id=mentor_ids[n % len(mentor_ids)],
                               score=0.5 + (n % 50) / 100, reasons=REASONS,
                               alternatives=[{"mentor_id": mentor_ids[(n + 1) % len(mentor_ids)], "score": 0.4,
                                              "reasons": REASONS}])
                 for n, a in enumerate(applications)]
    db.session.add_all(proposals)
    db.session.commit()
    return run, [p.id for p in proposals]


def test_proposals_page_and_approval_queries_do_not_grow_with_proposals(app, browser, capsys):
    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    figures = {}
    for size in (10, 1000):
        program = make_program()
        mentors = [make_mentor(programs=[program], capacity=200) for _ in range(10)]
        run, ids = proposals_for(program, mentors, size)
        run_id = run.id
        with counting() as page_queries:
            page = browser.client.get(f"/coordinator/runs/{run_id}")
        assert page.status_code == 200 and "Youth" in page.get_data(as_text=True)
        with counting() as fragment_queries:
            fragment = browser.client.get(f"/coordinator/runs/{run_id}?status=pending&page=1",
                                          headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        with counting() as approve_queries:
            approved = browser.htmx_post(f"/coordinator/proposals/{ids[-1]}/approve")
        assert "Approved" in approved.get_data(as_text=True)
        figures[size] = (len(page_queries), len(fragment_queries), len(approve_queries))
    with capsys.disabled():
        print(f"\nSQL queries (proposals page, proposals list by htmx, approve) for 10 proposals: "
              f"{figures[10]}; for 1,000 proposals: {figures[1000]}")
    assert figures[10] == figures[1000]


@pytest.mark.parametrize("path", ["/coordinator/applications", "/coordinator/mentors"])
def test_queue_pages_issue_the_same_queries_for_few_or_many_rows(app, browser, path):
    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    program = make_program()
    counts = []
    for size in (3, 40):
        proposals_for(program, [make_mentor(programs=[program], cleared=False) for _ in range(3)], size)
        db.session.expire_all()
        with counting() as statements:
            assert browser.client.get(path).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
