"""The 3/2 limit (001 §七) in SQL, the twin of `matching.rules.banks_serving`, `slots_left` and
`may_take`: the banks serving a firm, the slots left, and whether a bank may take a need. The
write path (`db/leads/mechanics.py`) and the open pool (`db/leads/queries.py`) both count with
these; tests/db/leads/test_bank_limit_sql.py holds them to the Python rule for the same firms.

The limit is the firm's, not a need's: a firm with two live needs (issue 19) is served by the
banks on both. A need's `firm_group` names its firm (the id of the firm's first enterprise row,
given to every need the firm registers, `db/intake/register.py`). The banks serving the firm,
as one of its needs counts them: the banks the firm declared with that need (`banks_existing`),
and every other bank holding a live lead on any need of the group."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, case, func, null, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from db.models import metadata
from matching.leads import LIVE

_LEADS, _NEEDS, _BANKS = (metadata.tables[name] for name in ("assignment", "need", "bank"))


class declares(FunctionElement[bool]):  # lower case: a SQL function, named as one
    """`declares(codes, code)`: the JSON array of bank codes `codes` holds `code`."""

    type = Boolean()
    inherit_cache = True
    name = "declares"


@compiles(declares, "sqlite")
def _declares_sqlite(element: declares, compiler: Any, **kw: Any) -> str:
    codes, code = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({codes}) AS declared WHERE declared.value = {code})"


@compiles(declares, "postgresql")
def _declares_postgresql(element: declares, compiler: Any, **kw: Any) -> str:
    codes, code = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({code} IN (SELECT json_array_elements_text({codes})))"


def _firm_leads(need_id: Any) -> tuple[Any, Any, ColumnElement[bool]]:
    """The live leads on every need of the firm of need `need_id` (a column of an outer query,
    or a parameter): what to select them from, the condition, and whether a lead's bank is new
    to the firm as that need declared it. On the need itself its lead says so
    (`existing_bank`); a lead on another need of the firm is looked up in the need's
    `existing_bank_codes` (the firm may have named the bank on one need and not the other)."""
    need = _NEEDS.alias("counted_need")
    other = _NEEDS.alias("firm_need")
    source = (
        need.join(other, other.c.firm_group == need.c.firm_group)
        .join(_LEADS, _LEADS.c.need_id == other.c.id)
        .join(_BANKS, _BANKS.c.id == _LEADS.c.bank_id)
    )
    where = (need.c.id == need_id) & _LEADS.c.status.in_(sorted(LIVE))
    new = case(
        (_LEADS.c.need_id == need.c.id, _LEADS.c.existing_bank.is_(False)),
        else_=~declares(need.c.existing_bank_codes, _BANKS.c.code),
    )
    return source, where, type_coerce(new, Boolean)


def firm_banks(need_id: Any) -> Any:
    """The banks holding a live lead on a need of the firm of need `need_id`, with whether each
    is `new` (not declared with the need): the rows `mechanics.firm_banks` counts."""
    source, where, new = _firm_leads(need_id)
    return select(_LEADS.c.bank_id, new.label("new")).select_from(source).where(where).distinct()


def live_new_banks(need_id: Any) -> Any:
    """How many banks hold a live lead on a need of the firm of need `need_id` without having
    been declared with it: the banks the system added to those serving the firm."""
    source, where, new = _firm_leads(need_id)
    counted = func.count(case((new, _LEADS.c.bank_id)).distinct())
    return select(counted).select_from(source).where(where)


def serves_firm(need_id: Any, bank_id: Any) -> ColumnElement[bool]:
    """Whether the bank holds a live lead on a need of the firm of need `need_id`: it serves
    the firm already, and taking this need too adds no bank to those serving it."""
    source, where, _ = _firm_leads(need_id)
    return (
        select(_LEADS.c.id).select_from(source).where(where, _LEADS.c.bank_id == bank_id).exists()
    )


def banks_serving(banks_existing: Any, need_id: Any) -> Any:
    """The banks serving the firm as the need counts them (`matching.rules.banks_serving`): the
    banks declared with it, and the others holding a live lead on a need of the firm."""
    return banks_existing + live_new_banks(need_id).scalar_subquery()


def slots_left(limit: Any, serving: Any) -> ColumnElement[Any]:
    """`matching.rules.slots_left` over columns: `limit` less `serving`, never below 0; NULL
    when the limit is NULL (above the 10M line)."""
    free = limit - serving
    return case((limit.is_(None), null()), (free > 0, free), else_=0)


def takes_no_slot(declared: Any, need_id: Any, bank_id: Any) -> ColumnElement[bool]:
    """Whether a bank taking the need adds no bank to those serving the firm: the firm declared
    it with the need, or it serves the firm through another need."""
    return or_(declared.is_(True), serves_firm(need_id, bank_id))


def may_take(slots: Any, lends_already: Any) -> ColumnElement[bool]:
    """`matching.rules.may_take` over columns: the bank adds no bank to the firm's (it lends
    already, or serves it through another need), or a slot is free, or the limit does not
    apply."""
    return or_(slots.is_(None), slots > 0, lends_already)
