"""Whose contact details each side of a match sees, and which: the youth-protection contact rules.

Whether contact details are shown at all is `Match.contact_allowed` (the family accepted, the match
is working, consent stands, the mentor is approved). What the family is then shown of the mentor is
the program's contact policy: the mentor's work or program contact, where contact can be seen,
and the mentor's own phone only where the program allows it. How the pair may meet is the
program's rules too: in person, by phone or video with the guardian included, or in a group
activity; never private one-to-one messaging between an adult and a young person.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from mentormatch.models import ContactMethod, ContactPolicy, Match, User

# The ways a mentor may meet a young person, as the meeting log offers them.
MENTOR_MEETING_METHODS = (ContactMethod.IN_PERSON, ContactMethod.PHONE, ContactMethod.VIDEO,
                          ContactMethod.GROUP_ACTIVITY)


@dataclass(frozen=True)
class ContactDetails:
    name: str = ""
    email: Optional[str] = None
    phone: Optional[str] = None
    own_phone: Optional[str] = None

    def __bool__(self) -> bool:
        return bool(self.email or self.phone or self.own_phone)


def mentor_contact_for_family(match: Match) -> Optional[ContactDetails]:
    """What the family may see of the mentor's contact now; None before the family accepted, or
    while the match is on hold. Empty when the mentor has no work contact the policy lets through."""
    if not match.contact_allowed:
        return None
    mentor = match.mentor
    own_phone = None
    if match.application.program.contact_policy is ContactPolicy.WORK_AND_PHONE:
        own_phone = mentor.user.phone if mentor.user.phone != mentor.work_phone else None
    return ContactDetails(name=mentor.user.first_name, email=mentor.work_email or None,
                          phone=mentor.work_phone or None, own_phone=own_phone or None)


def family_contact_for_mentor(match: Match) -> Optional[ContactDetails]:
    """The family's contact as the mentor sees it: the guardian's (or the adult young person's own
    account's); None until `contact_allowed`."""
    if not match.contact_allowed:
        return None
    youth = match.youth
    person: Optional[User] = youth.guardian or (youth.user if not youth.is_minor() else None)
    if person is not None:
        return ContactDetails(name=person.full_name, email=person.email, phone=person.phone or None)
    return ContactDetails(email=youth.guardian_email or None)
