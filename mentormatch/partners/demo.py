"""The partnership in the demo data: partner organizations with liaison accounts, referrals in
every stage, events with RSVPs and attendance, and stories (one published).

Loaded as history, inside the demo's quiet events: state changes are audited and nobody is e-mailed.
"""
from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

import sqlalchemy as sa
from PIL import Image, ImageDraw

from mentormatch.extensions import db
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    AgeBand,
    Application,
    ApplicationStatus,
    Audience,
    Gathering,
    GatheringKind,
    GatheringStatus,
    Match,
    MatchStatus,
    Partner,
    PartnerKind,
    PartnerLiaison,
    Program,
    Referral,
    ReferralInvitation,
    ReferralStatus,
    Role,
    Rsvp,
    RsvpStatus,
    Story,
    StoryPhoto,
    StoryStatus,
    User,
    Youth,
)

PARTNERS = (
    ("Hiram Johnson High School", PartnerKind.SCHOOL, "liaison@demo.example.org", "Grace", "Okafor"),
    ("Boys & Girls Club of Greater Sacramento", PartnerKind.YOUTH_NONPROFIT, "club.liaison@demo.example.org",
     "Marcus", "Bell"),
    ("St. Mary's Parish Youth Ministry", PartnerKind.FAITH, "parish.liaison@demo.example.org", "Teresa", "Alvarez"),
    ("Sacramento Youth Wellness Center", PartnerKind.MENTAL_HEALTH, "wellness.liaison@demo.example.org", "Kim", "Tran"),
)
REASONS = (
    "Asked our counselor about police careers.",
    "Looking for a steady adult outside school.",
    "Loves robotics club; wants to see forensics up close.",
    "New to the neighborhood and looking for something positive after school.",
)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.utc)


def _age_band(youth: Youth, today: date) -> AgeBand:
    age = youth.age(today) or 14
    return next((b for b in AgeBand if int(b.value.split("-")[1]) >= age), AgeBand.EIGHTEEN_TWENTY)


def _partners(make_user: Callable[..., User]) -> list[Partner]:
    partners = []
    for name, kind, email, first, last in PARTNERS:
        partner = Partner(name=name, kind=kind, contact_name=f"{first} {last}", contact_email=email)
        liaison = make_user(email, Role.PARTNER, first, last)
        db.session.add_all([partner, PartnerLiaison(user=liaison, partner=partner)])
        partners.append(partner)
    db.session.flush()
    return partners


def _referral(partner: Partner, liaison: User, email: str, child: str, band: AgeBand, programs: list[Program],
              created: datetime, rng: random.Random) -> Referral:
    referral = Referral.record(liaison, partner=partner, referred_by=liaison, family_email=email,
                               family_locale=rng.choice(["en", "es"]), child_first_name=child, age_band=band,
                               reason=rng.choice(REASONS), family_agreed_at=created)
    referral.created_at = referral.status_changed_at = created
    referral.programs = programs
    ReferralInvitation.issue(referral, timedelta(days=21))
    return referral


def _referrals(rng: random.Random, partners: list[Partner], programs: list[Program], today: date) -> int:
    liaisons = {p.id: db.session.scalar(sa.select(User).join(PartnerLiaison, PartnerLiaison.user_id == User.id)
                                        .where(PartnerLiaison.partner_id == p.id)) for p in partners}
    # Families who applied: about a third of the applications sent, with their matches open or closed.
    applications = list(db.session.scalars(
        sa.select(Application).where(Application.status != ApplicationStatus.DRAFT).order_by(Application.id)))
    count = 0
    for application in applications:
        if rng.random() > 0.33:
            continue
        youth = application.youth
        family = youth.guardian or youth.user
        if family is None or youth.anonymised_at is not None:
            continue
        partner = partners[count % len(partners)] if count < 8 else rng.choice(partners)
        created = application.created_at - timedelta(days=rng.randint(2, 10))
        referral = _referral(partner, liaisons[partner.id], family.email, youth.first_name,
                             _age_band(youth, created.date()), [application.program], created, rng)
        referral.invitations[-1].used_at = application.created_at
        referral.move_to(ReferralStatus.APPLIED, family)
        referral.status_changed_at = application.created_at
        application.referral_id = referral.id
        if count % 9 == 4:
            referral.view_withdrawn_at = application.created_at + timedelta(days=30)
        count += 1
    # Families who have not answered yet, one who declined, one the partner took back.
    children = ("Sofia", "Mateo", "Yer", "Jamal", "Lucia", "Minh")
    for i, child in enumerate(children):
        partner = partners[i % len(partners)]
        created = _at(today - timedelta(days=i * 3 + 1), 16)
        referral = _referral(partner, liaisons[partner.id], f"family.{child.lower()}.{i}@family.example.org", child,
                             rng.choice(list(AgeBand)), rng.sample(programs, rng.randint(1, 2)), created, rng)
        if i == 4:
            referral.move_to(ReferralStatus.DECLINED, None, "The family declined")
        elif i == 5:
            referral.move_to(ReferralStatus.WITHDRAWN, liaisons[partner.id])
        count += 1
    return count


def _events(rng: random.Random, partners: list[Partner], programs: list[Program], coordinator: User,
            today: date) -> int:
    explorers = next(p for p in programs if p.slug == "explorers")
    plans = (
        ("Coffee with a Cop at Oak Park", GatheringKind.COFFEE_WITH_A_COP, -12, 9, 2, "Oak Park Community Center",
         None, Audience.PUBLIC, None, partners[1]),
        ("Neighborhood clean-up day", GatheringKind.COMMUNITY_DAY, -30, 9, 3, "Meadowview Park", 60,
         Audience.PUBLIC, None, partners[2]),
        ("Community day and open house", GatheringKind.COMMUNITY_DAY, 6, 10, 4, "300 Richards Blvd", 80,
         Audience.PUBLIC, None, partners[0]),
        ("Coffee with a Cop: back to school", GatheringKind.COFFEE_WITH_A_COP, 13, 8, 2,
         "Hiram Johnson High library", 30, Audience.PUBLIC, None, partners[0]),
        ("Explorer post meeting: crime scene basics", GatheringKind.EXPLORER_MEETING, 4, 18, 2, "300 Richards Blvd",
         40, Audience.PROGRAM_FAMILIES, explorers, None),
        ("Mentor refresher: youth protection", GatheringKind.TRAINING, 9, 18, 2, "Training room B", 25,
         Audience.MENTORS, None, None),
        ("Kayaking on the American River", GatheringKind.GROUP_OUTING, 16, 9, 5, "Discovery Park boat launch", 12,
         Audience.MATCHED_PAIRS, None, partners[1]),
    )
    mentors = list(dict.fromkeys(m.mentor.user for m in db.session.scalars(
        sa.select(Match).where(Match.status.in_(OPEN_MATCH_STATUSES)).order_by(Match.id))))[:20]
    families = list(db.session.scalars(sa.select(User).where(User.role == Role.GUARDIAN).order_by(User.id)))[:60]
    for title, kind, days, hour, length, place, capacity, audience, program, partner in plans:
        starts = _at(today + timedelta(days=days), hour)
        gathering = Gathering(title=title, kind=kind, starts_at=starts, ends_at=starts + timedelta(hours=length),
                              place=place, capacity=capacity, audience=audience, program=program, partner=partner,
                              created_by=coordinator, status=GatheringStatus.DRAFT,
                              description="Meet officers and mentors; families welcome." if audience is Audience.PUBLIC
                              else "")
        db.session.add(gathering)
        db.session.flush()
        gathering.move_to(GatheringStatus.PUBLISHED, coordinator)
        people = (mentors if audience in (Audience.MENTORS, Audience.MATCHED_PAIRS) else mentors[:6] + families)
        wanted = min(len(people), (capacity or 30) + (3 if capacity and capacity < 20 else 0))
        taken = 0
        for user in rng.sample(people, wanted):
            guests = rng.choice([0, 0, 1, 2]) if user.role is Role.GUARDIAN else 0
            fits = capacity is None or taken + 1 + guests <= capacity
            rsvp = Rsvp.record(gathering, user, RsvpStatus.GOING if fits else RsvpStatus.WAITLISTED, guests)
            if fits:
                taken += 1 + guests
            if days < 0 and fits and rng.random() < 0.8:
                rsvp.attended_at = starts
                rsvp.attendance_taken_by_id = coordinator.id
    return len(plans)


def _photo() -> tuple[bytes, int, int]:
    from mentormatch.stories.photos import clean

    image = Image.new("RGB", (1200, 800), (21, 101, 192))
    draw = ImageDraw.Draw(image)
    for step in range(0, 800, 40):
        draw.rectangle([0, step, 1200, step + 20], fill=(30 + step // 8, 120, 200))
    draw.ellipse([450, 250, 750, 550], fill=(255, 214, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return clean(out.getvalue())


def _stories(coordinator: User, today: date) -> int:
    matches = list(db.session.scalars(sa.select(Match).where(Match.status.in_([MatchStatus.ACTIVE, MatchStatus.CLOSED]))
                                      .order_by(Match.id)))
    if len(matches) < 2:
        return 0
    first, second = matches[0], matches[1]
    youth, mentor = first.application.youth, first.mentor.user
    published = Story(match=first, author=mentor, status=StoryStatus.DRAFT,
                      title=f"{youth.first_name} found a team",
                      body=f"When {youth.first_name} joined {first.application.program.name}, she hardly spoke in "
                           f"meetings. {mentor.first_name} met her every other Tuesday, first over homework, then "
                           f"on the practice course.\nThis spring {youth.first_name} led her team's crime-scene "
                           f"exercise, and now helps new members find their feet.",
                      title_es=f"{youth.first_name} encontró un equipo",
                      body_es=f"Cuando {youth.first_name} llegó a {first.application.program.name}, casi no hablaba "
                              f"en las reuniones. {mentor.first_name} se reunió con ella cada dos martes.\nEsta "
                              f"primavera {youth.first_name} dirigió el ejercicio de escena del crimen de su equipo.")
    data, width, height = _photo()
    published.photo = StoryPhoto(data=data, width=width, height=height)
    db.session.add(published)
    db.session.flush()
    published.move_to(StoryStatus.AWAITING_APPROVAL, mentor)
    published.guardian_approved_at = published.youth_approved_at = _at(today - timedelta(days=5), 12)
    published.move_to(StoryStatus.APPROVED, youth.guardian or youth.user, "The family approved")
    published.move_to(StoryStatus.PUBLISHED, coordinator)
    other = Story(match=second, author=second.mentor.user, status=StoryStatus.DRAFT,
                  title=f"{second.application.youth.first_name}'s first ride-along",
                  body=f"{second.application.youth.first_name} and {second.mentor.user.first_name} planned the "
                       "ride-along for months.")
    db.session.add(other)
    db.session.flush()
    other.move_to(StoryStatus.AWAITING_APPROVAL, second.mentor.user)
    return 2


def seed_partnership(rng_seed: int, programs: list[Program], coordinator: User, make_user: Callable[..., User],
                     today: date) -> dict[str, int]:
    rng = random.Random(rng_seed)
    partners = _partners(make_user)
    counts = {"partners": len(partners), "referrals": _referrals(rng, partners, programs, today),
              "events": _events(rng, partners, programs, coordinator, today), "stories": _stories(coordinator, today)}
    db.session.commit()
    return counts


def print_accounts(echo: Callable[[str], None]) -> None:
    echo("Partner liaisons (same password):")
    for name, _kind, email, _first, _last in PARTNERS:
        echo(f"  {'Partner liaison':<18} {email}  ({name})")
