"""The open pool: needs a bank may still take under the 3/2 limit, anonymised."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    Field,
)

from api.schemas.common import Bilingual, ChinaTime, ParkRef
from api.schemas.leads import GuaranteeOut, MatchOut, NeedFactsOut
from db.leads.queries import (
    PoolItem,
    PoolPage,
)

# --- the pool ---


class PoolItemOut(BaseModel):
    """An open need the caller's bank may take: no name, no USCC, no contact."""

    need_id: int
    created_at: ChinaTime
    entity_type: str
    city: str
    county: str
    park: ParkRef | None
    industry: str
    tags: list[str]
    first_loan: bool
    need: NeedFactsOut
    existing_bank: bool = Field(description="the bank already lends to the firm (takes no slot)")
    bank_limit: int | None = Field(description="3 or 2 banks (001 §七); null above the 10M line")
    slots_left: int | None
    match: MatchOut

    @classmethod
    def of(cls, item: PoolItem) -> PoolItemOut:
        firm = item.firm
        return cls(
            need_id=item.need_id,
            created_at=item.created_at,
            entity_type=firm.entity_type,
            city=firm.city,
            county=firm.county,
            park=ParkRef.of(firm),
            industry=firm.industry,
            tags=list(firm.tags),
            first_loan=firm.first_loan,
            need=NeedFactsOut.of(item.need),
            existing_bank=item.existing_bank,
            bank_limit=item.bank_limit,
            slots_left=item.slots_left,
            match=MatchOut(
                reasons=[Bilingual(**r) for r in item.reasons],
                products=list(item.products),
                guarantees=[GuaranteeOut(**g) for g in item.guarantees],
            ),
        )


class PoolPageOut(BaseModel):
    items: list[PoolItemOut]
    next_cursor: str | None

    @classmethod
    def of(cls, page: PoolPage) -> PoolPageOut:
        return cls(items=[PoolItemOut.of(i) for i in page.items], next_cursor=page.next_cursor)
