"""The policy knobs of matchmaking, with the values the seed documents give."""

from __future__ import annotations

from dataclasses import dataclass, field

from matching.model import EntityType
from matching.workdays import ClockPolicy


@dataclass(frozen=True, slots=True)
class Policy:
    """Limits, tiers and clocks: 001 §七 (3/2 banks), 000 §四 (tiers), 002 ("135")."""

    enterprise_bank_limit: int = 3
    small_bank_limit: int = 2  # individual business, business owner, farmer
    limit_ceiling_yuan: int = 10_000_000  # total credit above this is outside the rule (普惠 scope)
    tier_bounds_yuan: tuple[int, int, int, int] = (100_000, 500_000, 5_000_000, 10_000_000)
    offer_count: int = 1  # banks offered a need at once by storage; never more than slots left
    max_banks_listed: int = 3  # when the limit does not apply
    max_guarantees_listed: int = 3
    clock: ClockPolicy = field(default_factory=ClockPolicy)

    def limit_for(self, entity_type: EntityType) -> int:
        if entity_type is EntityType.ENTERPRISE:
            return self.enterprise_bank_limit
        return self.small_bank_limit


DEFAULT_POLICY = Policy()
