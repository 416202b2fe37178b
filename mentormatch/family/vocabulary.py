"""The fixed lists families and mentors choose from, with their labels marked for translation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from matching import SLOT_CODES
from mentormatch.demo import INTERESTS, LANGUAGES
from mentormatch.formkit import choices

DAYS = (
    ("mon", _l("Monday")), ("tue", _l("Tuesday")), ("wed", _l("Wednesday")),
    ("thu", _l("Thursday")), ("fri", _l("Friday")), ("sat", _l("Saturday")), ("sun", _l("Sunday")),
)
PARTS_OF_DAY = (("morning", _l("Morning")), ("afternoon", _l("Afternoon")), ("evening", _l("Evening")))

INTEREST_LABELS = {
    "robotics": _l("robotics"), "K9": _l("K9 (police dogs)"), "forensics": _l("forensics"),
    "dispatch": _l("dispatch"), "basketball": _l("basketball"), "soccer": _l("soccer"),
    "boxing": _l("boxing"), "fitness": _l("fitness"), "video games": _l("video games"),
    "music": _l("music"), "art": _l("art"), "cooking": _l("cooking"), "hiking": _l("hiking"),
    "fishing": _l("fishing"), "cars": _l("cars"), "first aid": _l("first aid"),
    "public speaking": _l("public speaking"), "coding": _l("coding"), "drones": _l("drones"),
    "photography": _l("photography"), "college prep": _l("college prep"), "military": _l("military"),
    "law": _l("law"), "community service": _l("community service"),
}
LANGUAGE_LABELS = {
    "English": _l("English"), "Spanish": _l("Spanish"), "Hmong": _l("Hmong"),
    "Vietnamese": _l("Vietnamese"), "Cantonese": _l("Cantonese"), "Russian": _l("Russian"),
    "Punjabi": _l("Punjabi"), "Tagalog": _l("Tagalog"),
}
GENDERS = (("female", _l("Female")), ("male", _l("Male")), ("nonbinary", _l("Non-binary")))
RELATIONS = (
    ("Mother", _l("Mother")), ("Father", _l("Father")), ("Legal guardian", _l("Legal guardian")),
    ("Grandparent", _l("Grandparent")), ("Other relative", _l("Other relative")),
)

# Messages the error pages define in English; listed here so the Spanish catalog carries them.
ERROR_MESSAGES = (
    # mentormatch.errors.MESSAGES, shown to families on the error page.
    _l("The request could not be understood"), _l("Go back, reload the page and try again."),
    _l("You do not have access to this page"),
    _l("It belongs to another role or another family. If you think you should see it, ask your program coordinator."),
    _l("Page not found"), _l("The page does not exist, or it is not one you can see."),
    _l("That action is not allowed here"), _l("Go back and use the page's buttons."),
    _l("Too many attempts"), _l("Please wait a few minutes and try again."),
    _l("Something went wrong on our side"), _l("The error is logged. Please try again in a moment."),
    _l("The service is busy or down for maintenance"),
    _l("Your change was not saved. Please try again in a minute."),
    _l("The form expired or was sent from elsewhere. Reload the page and send it again."),
    # mentormatch/__init__.py: what the login page says to someone sent there from a protected link.
    _l("Please log in to see that page."),
)


def interest_choices():
    return choices((tag, INTEREST_LABELS[tag]) for tag in INTERESTS)


def language_choices():
    return choices((name, LANGUAGE_LABELS[name]) for name in LANGUAGES)


def slot_choices():
    days, parts = dict(DAYS), dict(PARTS_OF_DAY)
    return choices((code, f"{days[code[:3]]} {str(parts[code[4:]]).lower()}") for code in SLOT_CODES)


# Short codes some older records hold for a gender.
GENDER_ALIASES = {"f": "female", "m": "male", "x": "nonbinary", "non-binary": "nonbinary"}


def gender_label(code: str) -> str:
    """A stored gender in words ("male" -> "Male", "f" -> "Female"); empty stays empty."""
    key = (code or "").strip().lower()
    key = GENDER_ALIASES.get(key, key)
    return str(dict(GENDERS).get(key, code or ""))


def interest_label(tag: str) -> str:
    return str(INTEREST_LABELS.get(tag, tag))


def language_label(name: str) -> str:
    return str(LANGUAGE_LABELS.get(name, name))
