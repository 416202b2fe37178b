"""Every change to a story, and who may make it.

A story is written in first names only and names nothing that locates a child. It goes to the
family for approval: the guardian (through their account) and the young person, if 13 or older,
through their own. Once both approved, a coordinator publishes it. The author, staff, or anyone
who approves for the family may withdraw it at any time; public pages read only published
stories, so it is gone from all of them at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    Match,
    Mentor,
    Role,
    Story,
    StoryPhoto,
    StoryStatus,
    User,
    Youth,
    record_audit,
    utcnow,
)

STAFF = (Role.COORDINATOR, Role.ADMIN)
# From this age a young person approves a story about them through their own account.
YOUTH_APPROVES_FROM = 13
_EMAIL = re.compile(r"\S+@\S+")
_PHONE = re.compile(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}")
_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?\b")


class StoryRefused(Exception):
    """Nothing was changed; the message says why."""


@dataclass(frozen=True)
class Approver:
    role: str  # "guardian" or "youth"
    user: Optional[User]


def approvers(story: Story) -> list[Approver]:
    """Who must approve: the guardian, and the young person from 13 (an Approver without a user
    is one who cannot approve yet, for want of an account)."""
    youth = story.match.application.youth
    people = []
    if youth.guardian is not None and youth.is_minor():
        people.append(Approver("guardian", youth.guardian if youth.guardian.is_active_account else None))
    age = youth.age()
    if age is None or age >= YOUTH_APPROVES_FROM:
        own = youth.user if youth.user is not None and youth.user.is_active_account else None
        people.append(Approver("youth", own))
    return people


def approval_role(story: Story, user: User) -> Optional[str]:
    return next((a.role for a in approvers(story) if a.user is not None and a.user.id == user.id), None)


def approved_by(story: Story, role: str) -> bool:
    return (story.guardian_approved_at if role == "guardian" else story.youth_approved_at) is not None


def may_write(match: Match, user: User) -> bool:
    return user.role in STAFF or (user.role is Role.MENTOR and user.mentor is not None
                                  and match.mentor_id == user.mentor.id)


def may_edit(story: Story, user: User) -> bool:
    return story.status is StoryStatus.DRAFT and may_write(story.match, user)


def may_withdraw(story: Story, user: User) -> bool:
    if story.status is StoryStatus.WITHDRAWN:
        return False
    return may_write(story.match, user) or approval_role(story, user) is not None


def may_read(story: Story, user) -> bool:
    """Published stories are public; the others only for those who write, approve or publish them."""
    if story.status is StoryStatus.PUBLISHED:
        return True
    if user is None or not user.is_authenticated:
        return False
    return may_write(story.match, user) or approval_role(story, user) is not None


def locating_words(match: Match, *texts: str) -> list[str]:
    """What in the texts would name or locate the child: surnames, the school, a ZIP code, an
    e-mail address or a phone number. Empty when the story keeps to first names."""
    youth = match.application.youth
    words = {youth.last_name, match.mentor.user.last_name, youth.school}
    if youth.guardian is not None:
        words.add(youth.guardian.last_name)
    text = " ".join(texts)
    found = [w for w in sorted(w for w in words if w and len(w) > 1)
             if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)]
    found += _EMAIL.findall(text) + _PHONE.findall(text) + _ZIP.findall(text)
    return found


def _check_text(match: Match, title: str, body: str, title_es: str, body_es: str) -> None:
    found = locating_words(match, title, body, title_es, body_es)
    if found:
        raise StoryRefused("Use first names only and nothing that locates the child. Remove: "
                           + ", ".join(dict.fromkeys(found)) + ".")


def save(story: Story, author: User, *, title: str, body: str, title_es: str = "", body_es: str = "",
         photo: Optional[tuple[bytes, int, int]] = None, remove_photo: bool = False) -> Story:
    """Write or change a draft (a new story is a draft of its match)."""
    _check_text(story.match, title, body, title_es, body_es)
    new = story.id is None
    story.title, story.body = title.strip(), body.strip()
    story.title_es, story.body_es = title_es.strip(), body_es.strip()
    if new:
        story.author = author
        story.status = StoryStatus.DRAFT
        db.session.add(story)
    if remove_photo:
        story.photo = None
    if photo is not None:
        data, width, height = photo
        story.photo = StoryPhoto(data=data, width=width, height=height)
    record_audit(author, "story.create" if new else "story.update", story, **story.audit_details())
    db.session.commit()
    return story


def ask_family(story: Story, actor: User) -> None:
    """Send the draft to the family for approval (the e-mail is a consequence of the event)."""
    if not approvers(story):
        raise StoryRefused("Nobody in the family can approve this story.")
    missing = [a.role for a in approvers(story) if a.user is None]
    if missing:
        who = "the young person" if "youth" in missing else "the guardian"
        raise StoryRefused(f"{who.capitalize()} needs their own MentorMatch account to approve the story.")
    story.move_to(StoryStatus.AWAITING_APPROVAL, actor)
    db.session.commit()


def back_to_draft(story: Story, actor: User) -> None:
    story.move_to(StoryStatus.DRAFT, actor, "Taken back to change it; the family approves again")
    db.session.commit()


def approve(story: Story, user: User) -> None:
    """One family member approves; with every approval given, the story is approved."""
    role = approval_role(story, user)
    if role is None or story.status is not StoryStatus.AWAITING_APPROVAL:
        raise StoryRefused(_l("This story is not waiting for your approval."))
    if role == "guardian":
        story.guardian_approved_at = story.guardian_approved_at or utcnow()
    else:
        story.youth_approved_at = story.youth_approved_at or utcnow()
    record_audit(user, "story.approval_given", story, by=role, **story.audit_details())
    if all(approved_by(story, a.role) for a in approvers(story)):
        story.move_to(StoryStatus.APPROVED, user, "The family approved")
    db.session.commit()


def publish(story: Story, coordinator: User) -> None:
    story.move_to(StoryStatus.PUBLISHED, coordinator)
    db.session.commit()


def withdraw(story: Story, user: User) -> None:
    """Withdrawn, it leaves every public page and the feed at once."""
    if not may_withdraw(story, user):
        raise StoryRefused(_l("You cannot withdraw this story."))
    story.move_to(StoryStatus.WITHDRAWN, user, f"Withdrawn by the {approval_role(story, user) or user.role.value}")
    db.session.commit()


def published(limit: Optional[int] = None) -> list[Story]:
    statement = (sa.select(Story).where(Story.status == StoryStatus.PUBLISHED)
                 .options(so.selectinload(Story.match).selectinload(Match.application).selectinload(Application.program),
                          so.selectinload(Story.match).selectinload(Match.application).selectinload(Application.youth),
                          so.selectinload(Story.match).selectinload(Match.mentor).selectinload(Mentor.user))
                 .order_by(Story.published_at.desc(), Story.id.desc()))
    if limit:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def stories_for(user: User) -> list[Story]:
    """The stories a person works on: staff every one, a mentor theirs, a family those about them."""
    statement = sa.select(Story).join(Match).order_by(Story.status_changed_at.desc())
    if user.role is Role.MENTOR:
        statement = statement.join(Mentor).where(Mentor.user_id == user.id)
    elif user.role in (Role.GUARDIAN, Role.YOUTH):
        statement = (statement.join(Application, Match.application_id == Application.id).join(Youth)
                     .where(sa.or_(Youth.guardian_id == user.id, Youth.user_id == user.id),
                            Story.status != StoryStatus.DRAFT))
    elif user.role not in STAFF:
        return []
    return list(db.session.scalars(statement))


def matches_to_write_about(user: User, limit: int = 50) -> list[Match]:
    statement = (sa.select(Match).order_by(Match.approved_at.desc()).limit(limit)
                 .options(so.selectinload(Match.application).selectinload(Application.youth),
                          so.selectinload(Match.application).selectinload(Application.program)))
    if user.role is Role.MENTOR:
        if user.mentor is None:
            return []
        statement = statement.where(Match.mentor_id == user.mentor.id)
    return list(db.session.scalars(statement))
