"""Which consequences follow which domain event: the registry, with no database of its own.

A consequence is a function of one event, registered with `@subscribe("match.paused", ...)`.
The registry is kept apart from the dispatching (`mentormatch.events`) so that the models can
ask, when they record an event, whether anything listens to it at all.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

# kind -> [(subscriber name, function)], in registration order.
SUBSCRIBERS: dict[str, list[tuple[str, Callable]]] = defaultdict(list)


def subscribe(*kinds: str, name: str | None = None) -> Callable[[Callable], Callable]:
    """Run the decorated function after commit, once, for every event of these kinds.

    `name` identifies the consequence in the record of what was done (the function's
    module and name by default); renaming it makes old events count as not yet handled.
    """

    def register(function: Callable) -> Callable:
        key = name or f"{function.__module__}.{function.__name__}"
        for kind in kinds:
            if key not in {existing for existing, _ in SUBSCRIBERS[kind]}:
                SUBSCRIBERS[kind].append((key, function))
        return function

    return register


def subscribers_of(kind: str) -> list[tuple[str, Callable]]:
    return SUBSCRIBERS.get(kind, [])


def has_subscribers(kind: str) -> bool:
    return bool(SUBSCRIBERS.get(kind))
