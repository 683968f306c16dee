"""The 3/2 limit (001 §七) in SQL, the twin of `matching.rules.slots_left` and `may_take`: the new
banks holding a live lead on a need, the slots left, and whether a bank may take the need. The write
path (`db/leads/mechanics.py`) and the open pool (`db/leads/queries.py`) both count with these;
tests/db/leads/test_bank_limit_sql.py holds them to the Python rule for the same firms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, null, or_, select
from sqlalchemy.sql import ColumnElement

from db.models import metadata
from matching.leads import LIVE

_LEADS = metadata.tables["assignment"]


def live_new_banks(need_id: Any) -> Any:
    """How many banks hold a live lead on the need `need_id` (a column or a parameter) without
    having lent to the firm before: the banks the system added to those serving it."""
    return select(func.count()).where(
        _LEADS.c.need_id == need_id,
        _LEADS.c.status.in_(sorted(LIVE)),
        _LEADS.c.existing_bank.is_(False),
    )


def slots_left(limit: Any, serving: Any) -> ColumnElement[Any]:
    """`matching.rules.slots_left` over columns: `limit` less `serving`, never below 0; NULL
    when the limit is NULL (above the 10M line)."""
    free = limit - serving
    return case((limit.is_(None), null()), (free > 0, free), else_=0)


def may_take(slots: Any, lends_already: Any) -> ColumnElement[bool]:
    """`matching.rules.may_take` over columns: the bank lends already, or a slot is free, or
    the limit does not apply."""
    return or_(lends_already.is_(True), slots.is_(None), slots > 0)
