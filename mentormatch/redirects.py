"""Where a redirect may go when the address comes from the user: only a path on this site."""
from __future__ import annotations

from typing import Optional
from urllib.parse import unquote, urlsplit

# Longer than any page of ours with its filters; anything longer is not a link we made.
MAX_LENGTH = 2000


def _is_local_path(target: str, spaces_allowed: bool = False) -> bool:
    if not target.startswith("/") or target.startswith("//"):
        return False
    # Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    # "/\t/evil.example" and "/\\evil.example" reach another site; a newline in a header is a 500.
    if "\\" in target or any(_is_control(c) or (c.isspace() and not spaces_allowed) for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _is_control(character: str) -> bool:
    return ord(character) < 32 or 127 <= ord(character) < 160


def safe_next(target: Optional[str]) -> Optional[str]:
    """`target` when it is a path on this site that is safe to redirect to, else None.

    Refused rather than repaired: a link of ours never needs fixing, so anything odd was made
    by someone else. The percent-decoded form must pass too, for a proxy or a browser that
    decodes it once more.
    """
    if not target or len(target) > MAX_LENGTH:
        return None
    # Decoded, "%20" is a space in a search term, which is harmless.
    if _is_local_path(target) and _is_local_path(unquote(target), spaces_allowed=True):
        return target
    return None
