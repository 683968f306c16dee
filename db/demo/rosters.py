"""The demo parks' rosters (入园企业名录): each park's registering firms as the park knew them
before the season, and as many again or more that never register here — some with credit of
their own, some surveyed by the park — so that coverage and 分类建档 mean something after
`yinqi demo`. Nothing here touches the database."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from db.demo.firms import Applicant, park_momentum
from matching.catalog import Catalog
from matching.model import EntityType

_STAY_AWAY: Final = 1.5
"""Firms on a roster that never register here, per firm that does (at least `_AT_LEAST`)."""
_AT_LEAST: Final = 12
_TRADES: Final = ("机械", "纺织", "电子", "包装", "五金", "食品", "建材", "塑料", "家具", "印刷")
_CORES: Final = "安宝昌达丰富光海浩和恒弘华佳嘉金锦凯立隆茂明宁平庆瑞润盛泰腾天通旺新兴益永裕元"


@dataclass(frozen=True, slots=True)
class RosterEntry:
    park: str  # the park's code
    name: str
    uscc: str
    entity_type: str
    industry: str
    existing_banks: tuple[str, ...]
    existing_credit_yuan: int
    has_need: bool | None


def rosters(
    rng: random.Random, catalog: Catalog, applicants: Sequence[Applicant]
) -> list[RosterEntry]:
    """Every park's roster: its applicants first, then firms that stay away, each with credit
    of its own more often in parks that do well (`park_momentum`)."""
    momentum = park_momentum(catalog)
    taken = {a.firm.name for a in applicants}
    out: list[RosterEntry] = []
    for park in catalog.parks:
        own = [a.firm for a in applicants if a.firm.park == park.code]
        out += [
            RosterEntry(
                park.code,
                f.name,
                f.uscc,
                f.entity_type.value,
                f.industry,
                f.existing_banks,
                f.existing_credit_yuan,
                True,
            )
            for f in own
        ]
        credit_share = 0.85 if momentum.get(park.code, 0.5) >= 1.0 else 0.35
        place = park.city.rstrip("市")
        for _ in range(max(_AT_LEAST, round(len(own) * _STAY_AWAY))):
            name = _unused_name(rng, place, taken)
            has_credit = rng.random() < credit_share
            credit = rng.choice((300_000, 1_000_000, 2_000_000, 5_000_000)) if has_credit else 0
            survey = rng.choices((True, False, None), (0.25, 0.35, 0.40))[0]
            out.append(
                RosterEntry(
                    park.code,
                    name,
                    "",
                    EntityType.ENTERPRISE.value,
                    rng.choice(_TRADES),
                    ("绍兴银行",) if has_credit else (),
                    credit,
                    None if has_credit else survey,
                )
            )
    return out


def _unused_name(rng: random.Random, place: str, taken: set[str]) -> str:
    while True:
        name = f"{place}{''.join(rng.sample(_CORES, 2))}{rng.choice(_TRADES)}有限公司"
        if name not in taken:
            taken.add(name)
            return name
