"""The jobs workers run, and the schedule: start a worker with `huey_consumer mentormatch.jobs.huey`.

| job              | what it does                                          | when                          |
|------------------|-------------------------------------------------------|-------------------------------|
| dispatch_event   | runs a domain event's consequences (`events.handle`)  | after the event's commit      |
| deliver_message  | sends one outbox e-mail (`mail.deliver`)              | after the message's commit    |
| run_matching     | computes a matching run (`matching_service`)          | after the run is started      |
| fit_outcome_model| learns from a program's outcomes (`reports.learning`) | after an admin asks for it    |
| sweep            | hands on again what a lost job left behind            | every minute                  |
| daily            | lapses, reminders, overdue alerts, expired links      | every day at 06:00 UTC        |
| weekly           | each coordinator's digest                             | Mondays at 07:00 UTC          |
| event_reminders  | the day-before reminder of each event (gatherings)    | every hour, at :10            |

Only one worker process needs the schedule (`huey_consumer ... --no-periodic` on the others),
though two running it send nothing twice (`reminders` keeps a record of what went out).
"""
from __future__ import annotations

import logging

from huey import crontab

from mentormatch import events, mail, matching_service, reminders
from mentormatch.gatherings import notifications as gathering_notifications  # noqa: F401  (its scheduled job)
from mentormatch.queue import TASKS, huey, job

log = logging.getLogger(__name__)

__all__ = ["huey", "TASKS"]


class EventNotDone(RuntimeError):
    """A consequence of the event failed; the queue tries the event again later."""


@job(retries=5, retry_delay=30)
def dispatch_event(event_id: int) -> None:
    if not events.handle(event_id):
        raise EventNotDone(f"event {event_id}: a consequence failed; it is tried again")


@job()
def deliver_message(message_id: int) -> None:
    # A failed attempt is rescheduled by the outbox itself (next_attempt_at), which the sweep reads.
    mail.deliver(message_id)


@job()
def run_matching(run_id: int) -> None:
    matching_service.execute_run(run_id)


@job()
def fit_outcome_model(row_id: int) -> None:
    from mentormatch.reports import learning

    learning.fit(row_id)


def sweep_once() -> dict[str, int]:
    """Hand to the queue again every row whose job was lost; return how many of each."""
    lost_events = events.lost_events()
    for event_id in lost_events:
        TASKS["dispatch_event"](event_id)
    due = mail.due_messages()
    for message_id in due:
        TASKS["deliver_message"](message_id)
    runs = matching_service.recover_stale_runs()
    for run_id in runs:
        TASKS["run_matching"](run_id)
    return {"events": len(lost_events), "messages": len(due), "runs": len(runs)}


@job(schedule=crontab(minute="*"))
def sweep() -> None:
    handed_on = sweep_once()
    if any(handed_on.values()):
        log.info("Sweep handed on again: %s", handed_on)


@job(schedule=crontab(minute="0", hour="6"))
def daily() -> None:
    log.info("Daily work: %s", reminders.run_daily())


@job(schedule=crontab(minute="0", hour="7", day_of_week="1"))
def weekly() -> None:
    log.info("Weekly work: %s", reminders.run_weekly())
