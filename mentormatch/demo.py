"""A deterministic demo data set: three Sacramento-area programs, mentors with varied
clearances (some lapsed), youth of 12 to 20 with their families and applications."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Callable

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    Clearance,
    ClearanceKind,
    ClearanceStatus,
    GuardianConsent,
    MatchFormat,
    Mentor,
    MentorStatus,
    Program,
    ProgramKind,
    Role,
    User,
    Youth,
    age_on,
    in_english,
    utcnow,
)

DEMO_PASSWORD = "mentor-match-demo"
DEMO_ACCOUNTS = (
    ("admin@demo.example.org", Role.ADMIN, "Avery", "Delgado"),
    ("coordinator@demo.example.org", Role.COORDINATOR, "Jordan", "Whitfield"),
    ("guardian@demo.example.org", Role.GUARDIAN, "Maria", "Santos"),
    ("youth@demo.example.org", Role.YOUTH, "Devon", "Carter"),
    ("mentor@demo.example.org", Role.MENTOR, "Officer Dana", "Nguyen"),
)

SACRAMENTO_ZIPS = (
    "95811", "95814", "95815", "95816", "95817", "95818", "95819", "95820", "95821", "95822",
    "95823", "95824", "95825", "95826", "95827", "95828", "95831", "95832", "95833", "95834",
    "95835", "95838", "95841", "95842", "95864", "95660", "95670", "95608", "95610", "95621",
    "95624", "95630", "95757", "95758",
)
LANGUAGES = ("English", "Spanish", "Hmong", "Vietnamese", "Cantonese", "Russian", "Punjabi", "Tagalog")
LANGUAGE_WEIGHTS = (0, 40, 10, 10, 6, 6, 6, 6)
INTERESTS = (
    "robotics", "K9", "forensics", "dispatch", "basketball", "soccer", "boxing", "fitness",
    "video games", "music", "art", "cooking", "hiking", "fishing", "cars", "first aid",
    "public speaking", "coding", "drones", "photography", "college prep", "military", "law",
    "community service",
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("morning", "afternoon", "evening")
FIRST_NAMES = {
    "female": ("Sofia", "Aaliyah", "Mai", "Emily", "Jasmine", "Lucia", "Hannah", "Nia", "Linh",
               "Gabriela", "Priya", "Olivia", "Ximena", "Amara", "Kayla", "Yer", "Anya", "Camila"),
    "male": ("Mateo", "Jamal", "Tou", "Ethan", "Diego", "Minh", "Isaiah", "Carlos", "Noah",
             "Kevin", "Arjun", "Malik", "Luis", "Pao", "Andre", "Ivan", "Julian", "Marcus"),
}
LAST_NAMES = ("Garcia", "Johnson", "Vang", "Nguyen", "Martinez", "Williams", "Lee", "Hernandez",
              "Brown", "Xiong", "Lopez", "Singh", "Tran", "Davis", "Petrov", "Reyes", "Moua",
              "Thompson", "Cruz", "Kaur", "Walker", "Ramirez", "Chen", "Lor")
GOALS = (
    "I want to become a police officer and learn what the job is really like.",
    "Get better grades and get into college; maybe study criminal justice.",
    "Learn about crime scene investigation and forensic science.",
    "Build confidence speaking in front of people and be a leader at school.",
    "Stay out of trouble and find something positive to do after school.",
    "Learn about dispatch and emergency communications.",
    "Get fit for the academy physical test and learn discipline.",
    "Work with K9 units someday and learn how dogs are trained.",
    "Give back to my neighborhood and do community service.",
    "Learn to code and see how technology helps solve cases.",
)
BIOS = (
    "Patrol officer for {y} years; coach youth basketball on weekends and volunteer at the PAL gym.",
    "Crime scene investigator; I love showing young people how forensic science works.",
    "K9 handler with my partner Rex; grew up in South Sacramento and speak Spanish at home.",
    "Dispatcher turned community service officer; I mentor students interested in public safety careers.",
    "Detective in the youth services unit; former teacher and first-generation college graduate.",
    "Traffic officer and drone pilot; enjoy fishing, cars and helping teens plan for college.",
    "School resource officer; run a robotics club and a boxing program after school.",
    "Records and IT specialist; teach coding basics and help with homework and resumes.",
)


def _slots(rng: random.Random, n: int) -> list[str]:
    # People are mostly free in the evening on weekdays and at any time on weekends.
    pool = [f"{d}-evening" for d in DAYS[:5]] * 3 + [f"{d}-{p}" for d in DAYS[5:] for p in PARTS] * 2
    pool += [f"{d}-afternoon" for d in DAYS[:5]]
    return sorted(set(rng.sample(pool, n)))


def _languages(rng: random.Random) -> list[str]:
    extra = rng.choices(LANGUAGES, weights=LANGUAGE_WEIGHTS, k=1)[0] if rng.random() < 0.45 else None
    return ["English"] + ([extra] if extra else [])


def _at(day: date) -> datetime:
    return datetime.combine(day, time(15, 0), tzinfo=timezone.utc)


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Every demo account shares one password; hash it once, not 230 times.
    probe = User()
    probe.set_password(DEMO_PASSWORD)
    return probe.password_hash


def _user(email: str, role: Role, first: str, last: str, **extra) -> User:
    user = User(email=email, role=role, first_name=first, last_name=last,
                password_hash=_demo_password_hash(), email_confirmed_at=utcnow(), **extra)
    db.session.add(user)
    return user


def _programs() -> list[Program]:
    programs = [
        Program(
            name="Sacramento Police Explorer Post 300",
            slug="explorers",
            kind=ProgramKind.EXPLORING,
            description="Law Enforcement Exploring: weekly meetings, ride-alongs from 18, "
                        "training in patrol, CSI and dispatch, and competitions.",
            parent_information="Explorers meet Tuesdays 6-8 pm at 300 Richards Blvd. Two adult "
                               "leaders aged 21 or over attend every outing. Youth-protection rules "
                               "forbid private one-on-one contact, including messages.",
            description_es="Law Enforcement Exploring: reuniones semanales, patrullas acompañadas desde "
                           "los 18 años, formación en patrulla, investigación de escenas del crimen y "
                           "despacho, y competencias.",
            parent_information_es="Los Explorers se reúnen los martes de 6 a 8 pm en 300 Richards Blvd. "
                                  "Dos líderes adultos de 21 años o más asisten a cada salida. Las reglas "
                                  "de protección de menores prohíben el contacto privado a solas, "
                                  "incluidos los mensajes.",
            min_age=14, max_age=20, min_grade_completed=8, grade_rule_until_age=15,
            match_format=MatchFormat.GROUP, default_capacity=3,
        ),
        Program(
            name="Youth Leadership Academy",
            slug="leadership",
            kind=ProgramKind.LEADERSHIP,
            description="One-to-one mentoring with an officer for a school year: goals, "
                        "college and career planning, community projects.",
            parent_information="Mentors are screened with a Live Scan background check and "
                               "trained in youth protection and mandated reporting (AB 506). "
                               "A staff member attends the first meeting.",
            description_es="Mentoría individual con un agente durante un año escolar: metas, planes de "
                           "estudios y de carrera, proyectos comunitarios.",
            parent_information_es="Los mentores pasan una verificación de antecedentes Live Scan y reciben "
                                  "capacitación en protección de menores y en la obligación de denunciar "
                                  "(AB 506). Un miembro del personal asiste a la primera reunión.",
            min_age=12, max_age=18, match_format=MatchFormat.ONE_TO_ONE, default_capacity=2,
        ),
        Program(
            name="Police Cadet Program",
            slug="cadets",
            kind=ProgramKind.CADET,
            description="Career-track program with CSI, dispatch, IT and records tracks; "
                        "a 2.5 GPA and an interview are required.",
            parent_information="Cadets take part in department training and community events "
                               "under the supervision of the Youth Services Unit.",
            description_es="Programa orientado a la carrera, con especialidades en escenas del crimen, "
                           "despacho, informática y archivos; se piden un promedio de 2.5 y una entrevista.",
            parent_information_es="Los cadetes participan en la formación del departamento y en eventos "
                                  "comunitarios bajo la supervisión de la Unidad de Servicios Juveniles.",
            min_age=14, max_age=20, match_format=MatchFormat.ONE_TO_ONE, default_capacity=2,
        ),
    ]
    db.session.add_all(programs)
    return programs


def _clearances(rng: random.Random, mentor: Mentor, coordinator: User, today: date, profile: str):
    """Clearance records for a mentor; `profile` says whether they are current, lapsed or partial."""
    terms = {
        ClearanceKind.BACKGROUND_CHECK: 365 * 3,
        ClearanceKind.YOUTH_PROTECTION: 365 * 2,
        ClearanceKind.MANDATED_REPORTER: 365 * 2,
        ClearanceKind.INTERVIEW: None,
    }
    lapsed_kind = rng.choice([ClearanceKind.YOUTH_PROTECTION, ClearanceKind.MANDATED_REPORTER,
                              ClearanceKind.BACKGROUND_CHECK])
    for kind, term in terms.items():
        if profile == "partial" and kind in (ClearanceKind.INTERVIEW, ClearanceKind.MANDATED_REPORTER):
            continue
        completed = today - timedelta(days=rng.randint(30, 500))
        if profile == "lapsed" and kind is lapsed_kind:
            completed = today - timedelta(days=term + rng.randint(5, 60))
        expiring_soon = profile == "expiring" and kind is ClearanceKind.YOUTH_PROTECTION
        if expiring_soon:
            completed = today - timedelta(days=term - rng.randint(3, 25))
        verified = profile != "partial"
        db.session.add(Clearance(
            mentor=mentor,
            kind=kind,
            completed_on=completed,
            expires_on=completed + timedelta(days=term) if term else None,
            reference=f"LS-{rng.randint(100000, 999999)}" if kind is ClearanceKind.BACKGROUND_CHECK else "",
            hours=2.0 if kind in (ClearanceKind.YOUTH_PROTECTION, ClearanceKind.MANDATED_REPORTER) else None,
            verified_by=coordinator if verified else None,
            verified_at=_at(completed + timedelta(days=3)) if verified else None,
            status=ClearanceStatus.VERIFIED if verified else ClearanceStatus.RECORDED,
        ))


def _mentors(rng: random.Random, programs: list[Program], coordinator: User, today: date) -> list[Mentor]:
    mentors = []
    for i in range(40):
        gender = "female" if i % 5 in (1, 3) else "male"
        if i == 0:
            email, first, last = DEMO_ACCOUNTS[4][0], "Dana", "Nguyen"
            gender = "female"
        else:
            first = rng.choice(FIRST_NAMES[gender])
            last = rng.choice(LAST_NAMES)
            email = f"{first.lower()}.{last.lower()}.{i}@sacpd.example.org"
        user = _user(email, Role.MENTOR, first, last, phone=f"916-555-{1000 + i:04d}")
        years = rng.randint(1, 25)
        languages = _languages(rng)
        if i == 0:
            languages = ["English", "Vietnamese"]
        mentor = Mentor(
            user=user,
            agency="Sacramento Police Department",
            unit=rng.choice(["Patrol", "Youth Services", "CSI", "Dispatch", "K9", "Traffic", "IT"]),
            badge_number=str(rng.randint(1000, 9999)),
            years_of_service=years,
            youth_experience_years=float(rng.randint(0, 12)),
            date_of_birth=date(today.year - rng.randint(24, 58), rng.randint(1, 12), rng.randint(1, 28)),
            bio=rng.choice(BIOS).format(y=years),
            interests=sorted(rng.sample(INTERESTS, rng.randint(3, 6))),
            languages=languages,
            gender=gender,
            zip_code=rng.choice(SACRAMENTO_ZIPS),
            availability=_slots(rng, rng.randint(3, 7)),
            capacity=rng.choice([1, 2, 2, 3]),
            # The department's own address and desk line: what a family sees once they accept.
            work_email=f"{first[0].lower()}{last.lower()}{i}@police.sacramento.example.gov",
            work_phone=f"916-808-{5000 + i:04d}",
        )
        mentor.programs = rng.sample(programs, rng.randint(1, 2)) if i else programs[1:]
        # Most mentors are cleared; some lapsed, some expiring soon, a few still in screening.
        profile = "current" if i == 0 else rng.choices(
            ["current", "lapsed", "expiring", "partial"], weights=[26, 6, 4, 4])[0]
        if profile == "partial":
            mentor.status = MentorStatus.APPLIED
        else:
            mentor.status = MentorStatus.APPROVED
            mentor.approved_by = coordinator
            mentor.approved_at = _at(today - timedelta(days=rng.randint(20, 400)))
        db.session.add(mentor)
        _clearances(rng, mentor, coordinator, today, profile)
        mentors.append(mentor)
    return mentors


def _youth(rng: random.Random, programs: list[Program], coordinator: User, today: date) -> int:
    guardians: list[User] = []
    count = 0
    for i in range(150):
        gender = rng.choice(["female", "male"]) if rng.random() > 0.04 else "nonbinary"
        first = rng.choice(FIRST_NAMES["female" if gender == "female" else "male"])
        last = rng.choice(LAST_NAMES)
        age = rng.randint(12, 20)
        born = today - timedelta(days=age * 365 + rng.randint(15, 350))
        grade = max(0, min(12, age - 6 + rng.choice([-1, 0, 0, 0])))
        languages = _languages(rng)
        youth = Youth(
            first_name=first,
            last_name=last,
            date_of_birth=born,
            grade_completed=grade,
            school=rng.choice(["Hiram Johnson High", "Luther Burbank High", "McClatchy High",
                               "Grant Union High", "Sutter Middle", "Fern Bacon Middle",
                               "Inderkum High", "Natomas High", "Kennedy High"]),
            zip_code=rng.choice(SACRAMENTO_ZIPS),
            gender=gender,
            languages=languages,
            interests=sorted(rng.sample(INTERESTS, rng.randint(2, 5))),
            goals=rng.choice(GOALS),
            availability=_slots(rng, rng.randint(2, 6)),
            mentor_gender_preference=rng.choice([None] * 6 + ["female", "male"]),
            required_language=languages[-1] if len(languages) > 1 and rng.random() < 0.25 else None,
            max_travel_miles=rng.choice([None, None, 10.0, 15.0, 25.0]),
        )
        if i == 0:
            guardian = _user(DEMO_ACCOUNTS[2][0], Role.GUARDIAN, "Maria", "Santos", phone="916-555-0142",
                             locale="es")
            youth.first_name, youth.last_name, youth.gender = "Lucia", "Santos", "female"
            youth.date_of_birth = today - timedelta(days=15 * 365 + 40)
            youth.grade_completed = 9
            youth.languages = ["English", "Spanish"]
            guardians.append(guardian)
            youth.guardian = guardian
        elif i == 1:
            youth.user = _user(DEMO_ACCOUNTS[3][0], Role.YOUTH, "Devon", "Carter")
            youth.first_name, youth.last_name, youth.gender = "Devon", "Carter", "male"
            youth.date_of_birth = today - timedelta(days=18 * 365 + 100)
            youth.grade_completed = 12
        elif age >= 18 and rng.random() < 0.5:
            youth.user = _user(f"{first.lower()}.{last.lower()}.y{i}@family.example.org",
                               Role.YOUTH, first, last)
        else:
            # Siblings share a guardian now and then.
            if guardians and rng.random() < 0.15:
                youth.guardian = rng.choice(guardians)
                youth.last_name = youth.guardian.last_name
            else:
                youth.guardian = _user(
                    f"parent.{last.lower()}.{i}@family.example.org", Role.GUARDIAN,
                    rng.choice(FIRST_NAMES["female"] + FIRST_NAMES["male"]), last,
                    phone=f"916-555-{2000 + i:04d}",
                )
                guardians.append(youth.guardian)
        db.session.add(youth)
        count += 1
        _applications(rng, youth, programs, coordinator, today)
    return count


def _applications(rng: random.Random, youth: Youth, programs: list[Program], coordinator: User,
                  today: date) -> None:
    eligible = [p for p in programs
                if p.eligibility_problem(youth.date_of_birth, youth.grade_completed, today) is None]
    if not eligible:
        return
    program = rng.choice(eligible)
    status = rng.choices(
        [ApplicationStatus.WAITLISTED, ApplicationStatus.UNDER_REVIEW,
         ApplicationStatus.AWAITING_CONSENT, ApplicationStatus.DRAFT],
        weights=[70, 15, 8, 7],
    )[0]
    minor = age_on(youth.date_of_birth, today) < 18
    if status is ApplicationStatus.AWAITING_CONSENT and not minor:
        status = ApplicationStatus.UNDER_REVIEW
    created = today - timedelta(days=rng.randint(5, 420))
    application = Application(
        youth=youth,
        program=program,
        status=status,
        draft_step=5 if status is not ApplicationStatus.DRAFT else rng.randint(1, 4),
        created_by=youth.guardian or youth.user,
        created_at=_at(created),
        status_changed_at=_at(created + timedelta(days=2)),
    )
    if status is not ApplicationStatus.DRAFT:
        application.submitted_at = _at(created + timedelta(days=1))
    if status is ApplicationStatus.WAITLISTED:
        application.waiting_since = _at(created + timedelta(days=2))
        application.decided_by = coordinator
        application.decided_at = application.waiting_since
        application.decision_reason = "Eligible; consent on file."
    db.session.add(application)
    if minor and status in (ApplicationStatus.WAITLISTED, ApplicationStatus.UNDER_REVIEW):
        guardian = youth.guardian
        db.session.add(GuardianConsent(
            application=application,
            guardian_user=guardian,
            guardian_email=guardian.email if guardian else (youth.guardian_email or ""),
            relation=rng.choice(["Mother", "Father", "Legal guardian", "Grandmother"]),
            typed_signature=guardian.full_name if guardian else "Guardian",
            consented_at=_at(created + timedelta(days=1)),
        ))


def seed(today: date | None = None) -> dict[str, int]:
    """Load the demo data into an empty database; return how many of each were made.

    The demo is history being loaded: its events are quiet, so their consequences (a pair the
    family declined, matches paused by a lapsed clearance) take effect and nobody is e-mailed.
    """
    from mentormatch.events import quiet

    with quiet():
        return _seed(today or date.today())


def _seed(today: date) -> dict[str, int]:
    rng = random.Random(20261127)
    accounts = {role: _user(email, role, first, last)
                for email, role, first, last in DEMO_ACCOUNTS if role in (Role.ADMIN, Role.COORDINATOR)}
    coordinator = accounts[Role.COORDINATOR]
    programs = _programs()
    mentors = _mentors(rng, programs, coordinator, today)
    youth_count = _youth(rng, programs, coordinator, today)
    from mentormatch.demo_history import seed_history  # imported here: it reads this module's accounts
    seed_history(programs, mentors, coordinator, today)
    db.session.commit()
    decided = _matching(programs, coordinator)
    # Records past their expiry lapse as the daily job would lapse them: their mentors' matches pause.
    from mentormatch.reminders import lapse_clearances

    decided["clearances lapsed"] = lapse_clearances(today)
    from mentormatch.partners.demo import seed_partnership

    decided.update(seed_partnership(20261201, programs, coordinator, _user, today))
    return {"programs": len(programs), "mentors": len(mentors), "youth": youth_count, **decided}


APPROVED_PER_PROGRAM = 3


def _matching(programs: list[Program], coordinator: User) -> dict[str, int]:
    """A finished matching run per program with pending proposals, a few approved, one declined by the family."""
    from mentormatch import matching_service
    from mentormatch.coordinator import decisions
    from mentormatch.family.journey import decline_mentor
    from mentormatch.models import MatchProposal, ProposalStatus

    demo_guardian = db.session.scalar(sa.select(User).where(User.email == DEMO_ACCOUNTS[2][0]))
    approved = []
    for program in programs:
        run = matching_service.start_run(program, coordinator, inline=True)
        pending = db.session.scalars(
            sa.select(MatchProposal).where(MatchProposal.run_id == run.id,
                                           MatchProposal.status == ProposalStatus.PENDING)
            .order_by(MatchProposal.score.desc(), MatchProposal.id)
        ).all()
        # The demo family sees a proposed mentor whenever the run found one for their child.
        chosen = [p for p in pending if p.application.youth.guardian_id == demo_guardian.id]
        # A few more are approved, and at least one is left for the coordinator to decide.
        others = [p for p in pending if p not in chosen]
        chosen += others[:min(APPROVED_PER_PROGRAM, len(others) - 1)]
        for proposal_id in [p.id for p in chosen]:
            try:
                approved.append(decisions.approve(proposal_id, coordinator))
            except decisions.DecisionRefused:
                continue
    declined = next(m for m in approved if m.application.youth.guardian_id not in (None, demo_guardian.id))
    decline_mentor(declined.application, declined, declined.application.youth.guardian,
                   "We would prefer a mentor who can meet on weekends.")
    return {"matching runs": len(programs), "approved proposals": len(approved) - 1}


def print_accounts(echo: Callable[[str], None]) -> None:
    echo("Demo accounts (password for each: %s):" % DEMO_PASSWORD)
    for email, role, _first, _last in DEMO_ACCOUNTS:
        echo(f"  {in_english(role.label):<18} {email}")
    from mentormatch.partners.demo import print_accounts as print_partner_accounts

    print_partner_accounts(echo)
