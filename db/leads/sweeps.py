"""Sweeps over many leads, one transaction each: a lead that fails is logged and passed over, so
one bad row never holds up the rest (the next sweep tries it again)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

FAILURES_IN_A_ROW = 10
"""After this many failures one after another the trouble is not one lead but, most likely, the
database: the sweep stops, to be run again later, rather than log the same error for each lead."""


@dataclass(frozen=True, slots=True)
class Swept:
    done: int  # steps that changed something
    failed: int  # steps that raised; logged with their lead


def each_apart(lead_ids: Iterable[int], step: Callable[[int], bool], what: str) -> Swept:
    """Run `step` (a use case: its own transaction) for each lead; count the ones it changed."""
    done = failed = in_a_row = 0
    for lead_id in lead_ids:
        try:
            done += step(lead_id)
        except Exception:
            failed += 1
            in_a_row += 1
            log.exception("%s: lead %s failed; carrying on with the others", what, lead_id)
            if in_a_row >= FAILURES_IN_A_ROW:
                log.error("%s: %d failures in a row; stopping until the next run", what, in_a_row)
                break
        else:
            in_a_row = 0
    return Swept(done, failed)
