"""Keeping Python's cyclic garbage collector off a screening index.

An index is hundreds of thousands of small, long-lived objects. Built with the collector running, it is
walked again and again while it grows (most of an index build's time); left in the collector's
generations, a full collection walks all of it (about a quarter of a second) in the middle of whatever
query happens to allocate at that moment. Built with the collector paused and then frozen, it is never
walked, and queries only ever pay for their own short-lived objects.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

Built = TypeVar("Built")


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection while many long-lived objects are created; back as it was afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_long_lived() -> None:
    """Collect once, then exempt every object alive now from later collections (:func:`gc.freeze`).

    Objects frozen earlier are given back to the collector first: an index swapped out since (a list
    refresh) holds reference cycles that only a collection frees.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def built_frozen(build: Callable[[], Built]) -> Built:
    """What ``build`` makes, made with the collector paused and then frozen with everything alive now.

    The first index of a process is frozen without a collection after it: a build leaves no cyclic garbage
    to free, and a full walk over the new index (half a second for the bundled lists) would be paid for
    nothing; the collection runs before the build instead, over the young generations: what the imports
    before it left unreachable (a full collection after them found nothing more, and cost the cold build of
    the bundled lists 40 ms, walking every module, function and class of the process). Later builds (a list
    refresh) collect fully first (:func:`freeze_long_lived`), to free the index they replace.
    """
    first = not is_frozen()
    if first:
        gc.collect(1)
    with collector_paused():
        built = build()
        if first:
            # Frozen before the collector is back: the build's allocations are still counted against the youngest
            # generation, whose collection (a walk over the whole new index) the next allocation would start.
            gc.freeze()
    if not first:
        freeze_long_lived()
    return built


def freeze_settled() -> None:
    """Collect the young generations, then freeze what survives with what is frozen already.

    For objects a long-lived process makes once, after its index was frozen: a web framework builds its
    routing and validators on the first request, tens of thousands of objects every later full collection
    would walk. Not a full collection: the collector starts the next one when a quarter as many objects as
    survived the last one have been added since, so a full collection now, over the few objects left
    unfrozen, would make every later one come (many times) sooner.
    """
    gc.collect(1)
    gc.freeze()


def is_frozen() -> bool:
    """True when some objects are exempt from collection (a long-lived index was frozen)."""
    return gc.get_freeze_count() > 0
