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
    # new banks a coordinator may approve past the limit, with who and why (001 §七 审慎介入)
    approved_past_limit: int = 1
    max_banks_listed: int = 3  # when the limit does not apply
    max_guarantees_listed: int = 3
    clock: ClockPolicy = field(default_factory=ClockPolicy)
    # share of a park's firms that should have credit, by the park's stars (001 §一): the first
    # pair whose least star rating the park reaches gives its target
    coverage_targets: tuple[tuple[int, float], ...] = ((4, 0.70), (3, 0.60), (0, 0.50))

    def limit_for(self, entity_type: EntityType) -> int:
        if entity_type is EntityType.ENTERPRISE:
            return self.enterprise_bank_limit
        return self.small_bank_limit

    def coverage_target(self, stars: int) -> float:
        """The share of a park's firms that should have credit: ≥70% in 4–5 star parks, ≥60% in
        3 star parks, ≥50% in others (001 §一)."""
        return next(target for least, target in self.coverage_targets if stars >= least)


DEFAULT_POLICY = Policy()
