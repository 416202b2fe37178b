"""Every status change goes through its model's transition table: allowed moves are audited and
recorded as domain events in the same transaction; refused ones change nothing. On both databases."""
from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    APPLICATION_TRANSITIONS,
    CLEARANCE_TRANSITIONS,
    CONSENT_TRANSITIONS,
    MATCH_TRANSITIONS,
    MENTOR_TRANSITIONS,
    PROPOSAL_TRANSITIONS,
    RUN_TRANSITIONS,
    ApplicationStatus,
    AuditEvent,
    Clearance,
    ClearanceKind,
    ClearanceStatus,
    ConsentMethod,
    ConsentStatus,
    DomainEvent,
    GuardianConsent,
    MatchingRun,
    MatchStatus,
    MentorStatus,
    ProposalStatus,
    Role,
    RunStatus,
    TransitionError,
)
from tests.builders import (
    make_application,
    make_match,
    make_mentor,
    make_program,
    make_proposal,
    make_user,
    make_youth,
)


def _application(status):
    return make_application(make_youth(age=19), make_program(), status=status)


def _proposal(status):
    application = make_application(make_youth(age=19), make_program())
    return make_proposal(application, make_mentor(programs=[application.program]), status=status)


def _match(status):
    return make_match(status=status)


def _mentor(status):
    return make_mentor(cleared=False, status=status)


def _consent(status):
    application = make_application(make_youth(age=15), make_program(), consent=False)
    consent = GuardianConsent(application=application, guardian_email="g@example.org", relation="Mother",
                              typed_signature="Pat Example", status=status, method=ConsentMethod.EMAILED_LINK)
    db.session.add(consent)
    db.session.commit()
    return consent


def _clearance(status):
    record = Clearance(mentor=make_mentor(cleared=False), kind=ClearanceKind.BACKGROUND_CHECK,
                       completed_on=date.today(), status=status)
    db.session.add(record)
    db.session.commit()
    return record


def _run(status):
    run = MatchingRun(program=make_program(), status=status)
    db.session.add(run)
    db.session.commit()
    return run


MACHINES = {
    "application": (APPLICATION_TRANSITIONS, _application),
    "proposal": (PROPOSAL_TRANSITIONS, _proposal),
    "match": (MATCH_TRANSITIONS, _match),
    "mentor": (MENTOR_TRANSITIONS, _mentor),
    "consent": (CONSENT_TRANSITIONS, _consent),
    "clearance": (CLEARANCE_TRANSITIONS, _clearance),
    "matching_run": (RUN_TRANSITIONS, _run),
}


def _cases(allowed: bool):
    for name, (table, _build) in MACHINES.items():
        for start, target in itertools.product(table, table):
            if (target in table[start]) is allowed:
                yield pytest.param(name, start, target, id=f"{name}-{start.value}-to-{target.value}")


@pytest.mark.parametrize("machine, start, target", list(_cases(allowed=True)))
def test_an_allowed_move_is_made_audited_and_recorded_as_an_event(app, machine, start, target):
    table, build = MACHINES[machine]
    obj = build(start)
    actor = make_user(Role.COORDINATOR)
    obj.move_to(target, actor, "Because the test says so")
    db.session.commit()
    db.session.expire_all()
    assert obj.status is target
    kind = f"{obj.EVENT_PREFIX}.{target.value}"
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == kind))
    assert audit.actor_id == actor.id
    assert audit.details["before"] == {"status": start.value}
    assert audit.details["after"] == {"status": target.value, "reason": "Because the test says so"}
    event = db.session.scalar(sa.select(DomainEvent).where(DomainEvent.kind == kind))
    assert event is not None and event.actor_id == actor.id
    assert event.data["after"]["status"] == target.value


@pytest.mark.parametrize("machine, start, target", list(_cases(allowed=False)))
def test_a_refused_move_raises_and_changes_nothing(app, machine, start, target):
    table, build = MACHINES[machine]
    obj = build(start)
    audits = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with pytest.raises(TransitionError, match="cannot become"):
        obj.move_to(target, None)
    db.session.rollback()
    db.session.expire_all()
    assert obj.status is start
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == audits


def test_every_status_of_every_machine_has_a_row_in_its_table():
    enums = {"application": ApplicationStatus, "proposal": ProposalStatus, "match": MatchStatus,
             "mentor": MentorStatus, "consent": ConsentStatus, "clearance": ClearanceStatus,
             "matching_run": RunStatus}
    for name, (table, _build) in MACHINES.items():
        assert set(table) == set(enums[name]), name
        assert all(set(targets) <= set(enums[name]) for targets in table.values()), name


def test_a_consent_begins_only_as_given_to_confirm_or_declined(app):
    application = make_application(make_youth(age=15), make_program(), consent=False)
    with pytest.raises(TransitionError):
        GuardianConsent.record(application, ConsentStatus.WITHDRAWN, None, email="g@example.org", relation="Mother",
                               typed_signature="Pat Example", method=ConsentMethod.EMAILED_LINK)
    consent = GuardianConsent.record(application, ConsentStatus.TO_CONFIRM, None, email="g@example.org",
                                     relation="Mother", typed_signature="Pat Example",
                                     method=ConsentMethod.EMAILED_LINK, address_from_youth=True)
    db.session.commit()
    assert consent.needs_confirmation and not application.consent_on_file
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "consent.to_confirm"))
    assert audit.object_type == "applications" and audit.object_id == application.id
