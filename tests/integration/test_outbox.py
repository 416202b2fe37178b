"""The e-mail outbox: a message is written with the change that causes it and sent by a worker;
a mail server that refuses loses nothing, and nothing is sent twice."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from mentormatch import jobs, mail, queue
from mentormatch.extensions import db
from mentormatch.models import MessageStatus, OutboxMessage, Role, utcnow
from tests.builders import PASSWORD, make_user


def queue_messages(count: int) -> list[int]:
    ids = []
    for n in range(count):
        message = mail.queue_message(f"family{n}@example.org", "News about your application", "welcome", "en",
                                     user=make_user(Role.GUARDIAN, first_name=f"Pat{n}"), link="http://x")
        db.session.commit()
        ids.append(message.id)
    return ids


def statuses() -> dict[str, int]:
    return dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
                .all())


def test_a_refusing_server_then_an_accepting_one_delivers_every_message_exactly_once(app, smtp):
    smtp.inbox.refuse_next(5)
    ids = queue_messages(5)
    queue.flush()  # the jobs the commits handed on: every attempt refused
    assert smtp.inbox.refused == 5 and smtp.inbox.messages == []
    waiting = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {m.status for m in waiting} == {MessageStatus.PENDING}
    assert all(m.attempts == 1 and "451" in m.last_error for m in waiting)

    # Nothing is due before its delay; a minute later the sweep sends each once.
    assert mail.deliver_due(utcnow()) == {}
    assert mail.deliver_due(utcnow() + timedelta(minutes=2)) == {"sent": 5}
    assert mail.deliver_due(utcnow() + timedelta(hours=5)) == {}
    smtp.inbox.wait_for(5)
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(f"family{n}@example.org" for n in range(5))
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 5
    assert statuses() == {MessageStatus.SENT: 5}
    for message_id in ids:
        mail.deliver(message_id, utcnow() + timedelta(days=1))  # a duplicate job finds it sent
    assert len(smtp.inbox.messages) == 5


def test_a_message_that_keeps_failing_is_marked_failed_and_a_coordinator_can_send_it_again(app, smtp, browser):
    smtp.inbox.refuse_next(mail.MAX_ATTEMPTS)
    (message_id,) = queue_messages(1)
    queue.flush()
    later = utcnow()
    for _ in range(mail.MAX_ATTEMPTS):
        later += timedelta(hours=3)
        mail.deliver_due(later)
    message = db.session.get(OutboxMessage, message_id)
    assert message.status is MessageStatus.FAILED and message.attempts == mail.MAX_ATTEMPTS

    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    home = browser.get("/home").get_data(as_text=True)
    assert "E-mails that could not be delivered" in home and "family0@example.org" in home
    response = browser.post(f"/coordinator/messages/{message_id}/retry", form_page="/home")
    assert response.status_code == 302
    smtp.inbox.wait_for(1)
    assert [m["To"] for m in smtp.inbox.messages] == ["family0@example.org"]
    assert db.session.get(OutboxMessage, message_id).status is MessageStatus.SENT


def test_a_claim_left_by_a_worker_that_died_is_sent_again_by_the_sweep(app, smtp):
    (message_id,) = queue_messages(1)
    # A worker claimed the message and died before sending it.
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(status=MessageStatus.SENDING, claimed_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()
    queue.flush()
    assert smtp.inbox.messages == []
    assert jobs.sweep_once()["messages"] == 1
    queue.flush()
    smtp.inbox.wait_for(1)
    assert len(smtp.inbox.messages) == 1
    assert db.session.get(OutboxMessage, message_id).status is MessageStatus.SENT


def test_a_message_is_not_written_when_its_change_rolls_back(app, smtp):
    mail.queue_message("nobody@example.org", "Never sent", "welcome", "en", user=make_user(), link="http://x")
    db.session.rollback()
    queue.flush()
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert smtp.inbox.messages == []


def test_header_values_lose_line_breaks_and_a_smuggled_recipient_is_refused(app, smtp):
    user = make_user(Role.GUARDIAN, first_name="Ana")
    assert mail.queue_message("ana@example.org\r\nBcc: evil@example.org", "Hi", "welcome", "en",
                              user=user, link="http://x") is None
    mail.queue_message("ana@example.org", "Hi\r\nBcc: evil@example.org", "welcome", "en", user=user, link="http://x")
    db.session.commit()
    queue.flush()
    (message,) = smtp.inbox.wait_for(1)
    assert message["To"] == "ana@example.org"
    assert "Bcc" not in message.keys() and message["Subject"] == "Hi Bcc: evil@example.org"
