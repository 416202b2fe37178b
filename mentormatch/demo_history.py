"""Four years of synthetic match history for the demo: closed matches with reasons and exit notes,
active ones with their meetings and check-ins, so reports have something to show and learning from
outcomes has something to learn.

Whether a former match lasted depends on how much of the mentor's week the youth shares, on the
mentor's experience with youth, and on how many of the youth's interests the mentor shares, plus
chance; so what is learned from these outcomes leans on availability, experience and interests
more than the engine's defaults do.
"""
from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from mentormatch import cadence
from mentormatch.demo import DEMO_ACCOUNTS
from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    CheckIn,
    CheckInParty,
    ClosureReason,
    ContactMethod,
    Match,
    MatchStatus,
    Mentor,
    MentorStatus,
    OPEN_MATCH_STATUSES,
    Program,
    User,
    Youth,
    age_on,
)

EARLY_REASONS = (ClosureReason.TIME, ClosureReason.MISMATCH, ClosureReason.MOVED, ClosureReason.OTHER,
                 ClosureReason.SAFETY)
EARLY_WEIGHTS = (34, 30, 20, 12, 4)
LATE_REASONS = (ClosureReason.PROGRAM_ENDED, ClosureReason.AGED_OUT, ClosureReason.MOVED, ClosureReason.TIME)
LATE_WEIGHTS = (45, 25, 15, 15)
EXIT_NOTES = {
    ClosureReason.TIME: ("Shift change left no evenings free.", "Busy with school and work.", "Understood."),
    ClosureReason.MISMATCH: ("We never found common ground.", "Would like someone into sports.", "Asked for a new mentor."),
    ClosureReason.MOVED: ("Transferred to another division.", "Family moved to Elk Grove.", "Thank you all."),
    ClosureReason.OTHER: ("Personal reasons.", "No longer interested.", "Thanks for the time."),
    ClosureReason.SAFETY: ("Closed on the coordinator's advice.", "", "Concern reported and handled."),
    ClosureReason.PROGRAM_ENDED: ("A great year together.", "Learned a lot; will apply as a cadet.", "Grateful."),
    ClosureReason.AGED_OUT: ("Proud of what they achieved.", "Starting college in the fall.", ""),
}
CONTACT_AFTER = {
    ClosureReason.SAFETY: "No contact between mentor and youth after closure",
    ClosureReason.PROGRAM_ENDED: "Contact allowed with the guardian's written permission",
    ClosureReason.AGED_OUT: "The youth is an adult; contact is their own choice",
}


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=timezone.utc)


def _lasts(rng: random.Random, youth: Youth, mentor: Mentor, started: date) -> bool:
    """Draw the outcome from how much of the week the pair shares (cosine of their slots) and the
    mentor's fit by experience (years with youth, age gap), as the engine measures both."""
    youth_slots, mentor_slots = set(youth.availability or []), set(mentor.availability or [])
    shared = len(youth_slots & mentor_slots) / math.sqrt(max(len(youth_slots) * len(mentor_slots), 1))
    years = min((mentor.youth_experience_years or 0) / 5, 1.0)
    gap = (started - mentor.date_of_birth).days / 365.25 - age_on(youth.date_of_birth, started) \
        if mentor.date_of_birth else 20
    gap_fit = max(0.0, min(gap / 8, 1.0, (50 - gap) / 20))
    wanted = {t.casefold() for t in youth.interests or []}
    covered = len(wanted & {t.casefold() for t in mentor.interests or []}) / max(len(wanted), 1)
    logit = -4.5 + 6.0 * shared + 3.0 * (years + gap_fit) / 2 + 1.5 * covered
    return rng.random() < 1 / (1 + math.exp(-logit))


def _log_contacts(rng: random.Random, match: Match, program: Program, started: date, until: date,
                  quality: int, stop_meeting_days: int = 0) -> None:
    """Mentor meetings about every two weeks and most of the program's due check-ins."""
    day = started + timedelta(days=rng.randint(6, 16))
    last_meeting = until - timedelta(days=stop_meeting_days)
    while day <= last_meeting:
        db.session.add(CheckIn(match=match, occurred_on=day, is_mentor_meeting=True, party=CheckInParty.MENTOR,
                               method=rng.choice([ContactMethod.IN_PERSON] * 4 + [ContactMethod.VIDEO]),
                               logged_by_id=match.mentor.user_id))
        day += timedelta(days=rng.randint(10, 20))
    for due in cadence.due_dates(started, program.checkins_first_month, program.checkin_interval_days, until):
        if rng.random() < 0.85:
            db.session.add(CheckIn(
                match=match, occurred_on=min(due - timedelta(days=rng.randint(0, 6)), until),
                party=rng.choice(list(CheckInParty)),
                method=rng.choice([ContactMethod.PHONE, ContactMethod.PHONE, ContactMethod.IN_PERSON]),
                meetings_per_month=rng.randint(1, 3) if quality >= 3 else rng.randint(0, 1),
                relationship_quality=max(1, min(5, quality + rng.choice([-1, 0, 0, 1]))),
                logged_by_id=match.approved_by_id,
            ))


def _match(rng: random.Random, application: Application, mentor: Mentor, coordinator: User, started: date,
           lasting: bool, status: MatchStatus = MatchStatus.ACTIVE) -> Match:
    """A match written as it stands in the history being loaded (not replayed step by step)."""
    youth = application.youth
    approved = started - timedelta(days=rng.randint(5, 14))
    match = Match(
        application=application, mentor=mentor, approved_by=coordinator, approved_at=_noon(approved),
        first_meeting_at=_noon(started), first_meeting_place="Youth Services Unit, 5770 Freeport Blvd",
        first_meeting_attendees=f"Mentor: {mentor.user.full_name}; Youth: {youth.full_name}; "
                                f"Staff: {coordinator.full_name}",
        first_meeting_held_at=_noon(started), commitment_signed_on=started,
        commitment_signatures={"mentor": mentor.user.full_name, "youth": youth.full_name,
                               "staff": coordinator.full_name},
        meeting_plan=f"Every other {rng.choice(['Tuesday', 'Thursday', 'Saturday'])} at the community center.",
        status=status,
    )
    db.session.add(match)
    return match


def _close(rng: random.Random, match: Match, coordinator: User, ends: date, lasting: bool) -> None:
    reason = (rng.choices(LATE_REASONS, LATE_WEIGHTS)[0] if lasting
              else rng.choices(EARLY_REASONS, EARLY_WEIGHTS)[0])
    notes = dict(zip(("mentor", "youth", "guardian"), EXIT_NOTES[reason]))
    match.closed_at = _noon(ends)
    match.closed_by = coordinator
    match.closure_planned = reason in (ClosureReason.PROGRAM_ENDED, ClosureReason.AGED_OUT)
    match.closure_reason = reason
    match.closure_notes = {who: text for who, text in notes.items() if text}
    match.rematch = False
    match.post_closure_contact = CONTACT_AFTER.get(reason, "Contact only at program events, with staff present")


# When former matches began, in days before today: the last two years, and the two before, so
# learning from outcomes has a few hundred to learn from.
HISTORY_WINDOWS = ((60, 760, 640), (780, 1460, 1100))


def _former_matches(rng, youth_rows, pools, coordinator, today) -> int:
    """Earlier matches of the demo youth, now closed: about one per youth, program they fit and window."""
    made = 0
    for (low, high, mode), youth in ((w, y) for w in HISTORY_WINDOWS for y in youth_rows):
        for program, pool in pools:
            started = today - timedelta(days=int(rng.triangular(low, high, mode)))
            if not pool or rng.random() > 0.9 or youth.date_of_birth is None:
                continue
            if not program.min_age <= age_on(youth.date_of_birth, started) <= program.max_age:
                continue
            # Coordinators often, not always, found a pair who share much of the week.
            candidates = rng.sample(pool, min(4, len(pool)))
            mentor = max(candidates, key=lambda m: len(set(m.availability) & set(youth.availability))) \
                if rng.random() < 0.6 else candidates[0]
            lasting = _lasts(rng, youth, mentor, started)
            ends = started + timedelta(days=rng.randint(380, 720) if lasting else rng.randint(25, 340))
            if ends > today - timedelta(days=3):
                continue
            joined = started - timedelta(days=rng.randint(20, 200))
            application = Application(
                youth=youth, program=program, draft_step=5, status=ApplicationStatus.CLOSED,
                created_at=_noon(joined - timedelta(days=3)), submitted_at=_noon(joined - timedelta(days=2)),
                waiting_since=_noon(joined), decided_by=coordinator, decided_at=_noon(joined),
                decision_reason="Eligible; consent on file.", status_changed_at=_noon(ends),
            )
            match = _match(rng, application, mentor, coordinator, started, lasting, MatchStatus.CLOSED)
            _close(rng, match, coordinator, ends, lasting)
            _log_contacts(rng, match, program, started, ends, 4 if lasting else rng.choice([2, 3]))
            made += 1
    return made


ROOM_KEPT_FOR_TODAY = 8


def _current_matches(rng, waitlisted, pools, open_counts, mentors, coordinator, today) -> int:
    """About half of the youth waiting since last month were matched and meet now."""
    made = 0
    by_program = dict(pools)
    for application in waitlisted:
        pool = [m for m in by_program.get(application.program, []) if open_counts.get(m.id, 0) < m.capacity]
        room = sum(m.capacity - open_counts.get(m.id, 0) for m in pool if not m.missing_clearances(today))
        # Each program keeps places free for today's matching run to propose.
        if room <= ROOM_KEPT_FOR_TODAY or (made and rng.random() < 0.5):
            continue
        joined = application.waiting_since.date()
        latest = today - timedelta(days=10)
        if (latest - joined).days < 20:
            continue
        # The demo mentor account gets the first place it can take, so a mentor's home has a mentee.
        mentor = mentors[0] if mentors[0] in pool else rng.choice(pool)
        started = joined + timedelta(days=rng.randint(14, min(300, (latest - joined).days)))
        application.move_to(ApplicationStatus.PROPOSED, coordinator, "Mentor proposed")
        application.move_to(ApplicationStatus.MATCHED, coordinator, "First meeting held and commitment signed.")
        application.status_changed_at = _noon(started)
        match = _match(rng, application, mentor, coordinator, started, True)
        open_counts[mentor.id] = open_counts.get(mentor.id, 0) + 1
        # Now and then a pair stops meeting, and the match shows as at risk.
        _log_contacts(rng, match, application.program, started, today, rng.choice([3, 4, 4, 5]),
                      stop_meeting_days=2 if mentor is mentors[0] else rng.choice([0] * 8 + [35, 50]))
        made += 1
    return made


def seed_history(programs: list[Program], mentors: list[Mentor], coordinator: User, today: date,
                 seed: int = 2024) -> int:
    """Give the demo youth two years of match history; return how many matches were made.

    No person is added: former matches belong to the demo's own youth (closed applications beside
    their current one), and current matches are made from waitlisted applications.
    """
    rng = random.Random(seed)
    open_counts = dict(db.session.execute(
        sa.select(Match.mentor_id, sa.func.count(Match.id))
        .where(Match.status.in_(OPEN_MATCH_STATUSES)).group_by(Match.mentor_id)
    ).all())
    cleared = [m for m in mentors if m.status is MentorStatus.APPROVED]
    pools = [(p, [m for m in cleared if p in m.programs]) for p in programs]
    demo_emails = {email for email, *_ in DEMO_ACCOUNTS}
    youth_rows = [y for y in db.session.scalars(sa.select(Youth).order_by(Youth.id))
                  if not ({getattr(y.guardian, "email", None), getattr(y.user, "email", None)} & demo_emails)]
    waitlisted = [a for a in db.session.scalars(
        sa.select(Application).where(Application.status == ApplicationStatus.WAITLISTED).order_by(Application.id))
        if a.youth in youth_rows]
    made = _former_matches(rng, youth_rows, pools, coordinator, today)
    made += _current_matches(rng, waitlisted, pools, open_counts, mentors, coordinator, today)
    db.session.flush()
    _raise_one_concern(coordinator, today)
    return made


def _raise_one_concern(coordinator: User, today: date) -> None:
    """One recent, unresolved safety concern, so the dashboard's alert can be seen."""
    match = db.session.scalar(sa.select(Match).where(Match.status == MatchStatus.ACTIVE).order_by(Match.id.desc()))
    if match is None:
        return
    db.session.add(CheckIn(
        match=match, occurred_on=today - timedelta(days=1), party=CheckInParty.GUARDIAN,
        method=ContactMethod.PHONE, meetings_per_month=1, relationship_quality=2, safety_concern=True,
        notes="Guardian reports the mentor offered a ride home without telling her; follow up with both.",
        logged_by_id=coordinator.id,
    ))
