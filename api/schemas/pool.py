"""The open pool: needs a bank may still take under the 3/2 limit, anonymised."""

from __future__ import annotations

from typing import Any

from pydantic import AliasPath, Field

from api.schemas.common import ChinaTime, ParkRef, ViewOut
from api.schemas.leads import MatchOut, NeedFactsOut, total_field

# --- the pool ---


def _firm(name: str) -> Any:
    """The field read from the item's firm: the pool shows the firm's facts beside the need's."""
    return Field(validation_alias=AliasPath("firm", name))


class PoolItemOut(ViewOut):
    """An open need the caller's bank may take: no name, no USCC, no contact."""

    need_id: int
    created_at: ChinaTime
    entity_type: str = _firm("entity_type")
    city: str = _firm("city")
    county: str = _firm("county")
    park: ParkRef | None = _firm("park")
    industry: str = _firm("industry")
    tags: list[str] = _firm("tags")
    first_loan: bool = _firm("first_loan")
    need: NeedFactsOut
    existing_bank: bool = Field(
        description="the bank already lends to the firm, or serves it through another of its "
        "needs (takes no slot)"
    )
    bank_limit: int | None = Field(description="3 or 2 banks (001 §七); null above the 10M line")
    slots_left: int | None = Field(
        description="banks the firm may still take, its other needs' banks counted; null above "
        "the 10M line"
    )
    match: MatchOut


class PoolPageOut(ViewOut):
    items: list[PoolItemOut]
    next_cursor: str | None
    total: int | None = total_field("needs the pool holds")
