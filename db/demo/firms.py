"""The firms of a demo season, and when and how each one registers: drawn from a seeded random
generator over a catalog's parks, banks and counties. Nothing here touches the database."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from db.core.vocabulary import Channel, QrKind
from matching.catalog import Catalog, Park
from matching.engine import match
from matching.model import (
    Collateral,
    EntityType,
    Firm,
    Need,
    Purpose,
    Route,
    Standard,
    Standards,
    Tag,
)
from matching.registration import Contact
from matching.uscc import uscc_check_char
from matching.workdays import CHINA_TZ, DEFAULT_CALENDAR

# How much busier each weekday is (Monday first): Wednesday is the weekly matching event (003).
WEEKDAY_WEIGHT: Final = (1.0, 1.0, 1.9, 0.95, 0.85, 0.25, 0.15)
HOLIDAY_WEIGHT: Final = 0.2

_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
)
_GIVEN: Final = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红林海燕峰文斌"
_CORE_A: Final = "华鑫宏盛永泰恒达金瑞博凯嘉诚信远创新天和丰源兴隆中正宇亿德昌佳越祥利东锦"
_CORE_B: Final = "宇鑫盛达源辰泰华峰科力通汇安顺杰腾明晟海睿邦联丰瑞翔耀光诚诺茂益旺"
_INDUSTRIES: Final = {  # a park's trade, by its code; others draw from the general list
    "kq-fz": ("纺织", "印染", "服装"),
    "zj-wj": ("五金", "机械", "模具"),
    "sy-dz": ("电子", "电器", "光电"),
    "xc-gxq": ("生物医药", "新材料", "智能装备"),
    "yc-gxq": ("集成电路", "软件", "新材料"),
    "zh-zgl": ("软件", "电子商务", "文化创意"),
}
_GENERAL: Final = ("机械", "食品", "建材", "纺织", "电子", "包装", "家具", "物流", "农业", "贸易")
_PARK_WEIGHT: Final = {"kq-fz": 1.6, "yc-gxq": 1.4, "zj-wj": 1.2, "sy-dz": 1.1, "zh-zgl": 1.0}
_OTHER_BANKS: Final = ("工商银行", "中国银行", "交通银行", "邮储银行", "浙商银行")


@dataclass(frozen=True, slots=True)
class Applicant:
    """One firm's registration as the season will play it."""

    firm: Firm
    need: Need
    standards: Standards
    contact: Contact
    channel: Channel
    source: QrKind | None  # the kind of QR code it came through (None: none)
    at: datetime
    momentum: float  # 0–1: how well its park's banks and firms follow up (park coverage)


def season_days(start: date, days: int) -> list[tuple[date, float]]:
    """Each day of the season with its weight: weekday pattern, holidays, a growing season."""
    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        weight = WEEKDAY_WEIGHT[day.weekday()]
        if day.weekday() < 5 and not DEFAULT_CALENDAR.is_workday(day):
            weight = HOLIDAY_WEIGHT
        out.append((day, weight * (0.7 + 0.6 * i / max(days - 1, 1))))
    return out


NO_BANK_SHARE: Final = 0.05
"""Of the firms meeting the standards, about this share ask for something no bank offers."""


def park_momentum(catalog: Catalog) -> dict[str, float]:
    """How well each park's firms fare (0–1), fixed per park so that some parks meet their
    coverage target and others fall short: by code, every third park does well."""
    ranked = sorted(p.code for p in catalog.parks)
    return {code: 1.0 if i % 3 == 0 else 0.45 for i, code in enumerate(ranked)}


def applicants(
    rng: random.Random, catalog: Catalog, firms: int, start: date, days: int
) -> list[Applicant]:
    """`firms` distinct firms, each registering once somewhere in the season, in time order."""
    calendar = season_days(start, days)
    day_weights = [w for _, w in calendar]
    parks = list(catalog.parks)
    park_weights = [_PARK_WEIGHT.get(p.code, 0.7) for p in parks]
    momentum = park_momentum(catalog)
    counties = sorted({(b.city, b.county) for b in catalog.branches})
    names = _names(rng, firms)
    out = []
    for i in range(firms):
        park = rng.choices(parks, park_weights)[0] if parks and rng.random() < 0.85 else None
        city, county = (park.city, park.county) if park else rng.choice(counties)
        day = rng.choices(calendar, day_weights)[0][0]
        kind = _entity_type(rng)
        industry = rng.choice(_INDUSTRIES.get(park.code if park else "", _GENERAL))
        drive = momentum[park.code] if park else 0.6
        firm = _firm(rng, catalog, kind, names[i], city, county, park, industry, drive)
        draw = rng.random()  # in person; else mostly the web chat (Telegram is blocked in China)
        channel = Channel.OFFLINE if draw < 0.18 else Channel.BOT if draw < 0.30 else Channel.WEB
        source = _source_kind(rng, park, day, channel)
        at = _moment(rng, day, event=source is QrKind.EVENT, offline=channel is Channel.OFFLINE)
        standards = _standards(rng, i, drive)
        out.append(
            Applicant(
                firm=firm,
                need=_fitting_need(rng, firm, catalog, standards),
                standards=standards,
                contact=Contact(_person(rng), f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"),
                channel=channel,
                source=source,
                at=at,
                momentum=drive,
            )
        )
    out.sort(key=lambda a: a.at)
    return out


def _names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct name cores as firms choose them (华鑫, 宏盛达 …): two characters, and
    three when two run out (never a digit: "绍兴利睿1软件" is no firm's name)."""
    cores = [a + b for a in _CORE_A for b in _CORE_B if a != b]
    if count > len(cores):
        three = [c + d for c in cores for d in _CORE_B if d not in c]
        cores += rng.sample(three, min(count - len(cores), len(three)))
    return rng.sample(cores, count)


def _entity_type(rng: random.Random) -> EntityType:
    kinds = (
        EntityType.ENTERPRISE,
        EntityType.INDIVIDUAL_BUSINESS,
        EntityType.BUSINESS_OWNER,
        EntityType.FARMER,
    )
    return rng.choices(kinds, (0.62, 0.24, 0.06, 0.08))[0]


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2))))


def _firm(
    rng: random.Random,
    catalog: Catalog,
    kind: EntityType,
    core: str,
    city: str,
    county: str,
    park: Park | None,
    industry: str,
    drive: float,
) -> Firm:
    place = county.rstrip("区县市") if len(county) > 2 else county
    if kind is EntityType.ENTERPRISE:
        name = f"{city.rstrip('市')}{core}{industry}有限公司"
    elif kind is EntityType.FARMER:
        name, industry = f"{place}{core}家庭农场", "农业"
    else:
        name = f"{place}{core}{industry}经营部"
    existing = _existing_banks(rng, catalog, kind, city, drive)
    per_bank = rng.choice((500_000, 1_000_000, 2_000_000, 3_000_000))
    credit = per_bank * len(existing) * (6 if rng.random() < 0.04 else 1)
    return Firm(
        entity_type=kind,
        name=name,
        uscc=_uscc(rng, kind),
        city=city,
        county=county,
        park=park.code if park else "",
        industry=industry,
        tags=_tags(rng, kind, park, industry),
        existing_banks=existing,
        existing_credit_yuan=credit,
        months_operating=rng.choice((8, 14, 26, 40, 60, 96)),
    )


def _existing_banks(
    rng: random.Random, catalog: Catalog, kind: EntityType, city: str, drive: float
) -> tuple[str, ...]:
    """The banks the firm already borrows from, as typed; some at their 3/2 limit. Parks that
    do well bring more first-loan firms (百行进万企 seeks out firms without a loan, 001 §六)."""
    if rng.random() < 0.4 * drive:
        return ()
    if kind is EntityType.ENTERPRISE:
        count = rng.choices((0, 1, 2, 3), (0.42, 0.28, 0.18, 0.12))[0]
    else:
        count = rng.choices((0, 1, 2), (0.52, 0.30, 0.18))[0]
    local = [b.name for b in catalog.banks_in(city)] + list(_OTHER_BANKS)
    return tuple(rng.sample(local, min(count, len(local))))


def _uscc(rng: random.Random, kind: EntityType) -> str:
    """A valid code for registered firms; farmers and some individual businesses have none."""
    if kind is EntityType.FARMER or (kind is not EntityType.ENTERPRISE and rng.random() < 0.3):
        return ""
    category = "1" if kind is EntityType.ENTERPRISE else "2"
    body = "9" + category + "3306" + f"{rng.randrange(100):02d}"
    body += "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=9))
    return body + uscc_check_char(body)


def _tags(rng: random.Random, kind: EntityType, park: Park | None, industry: str) -> frozenset[Tag]:
    tags: set[Tag] = set()
    if kind is EntityType.FARMER or industry == "农业":
        tags.add(Tag.AGRI)
    if park and park.code in ("xc-gxq", "yc-gxq", "zh-zgl") and rng.random() < 0.5:
        tags.add(rng.choice((Tag.HIGH_TECH, Tag.TECH_SME, Tag.SPECIALIZED_SME)))
    if industry in ("纺织", "服装", "贸易") and rng.random() < 0.4:
        tags.add(Tag.FOREIGN_TRADE)
    if rng.random() < 0.06:
        tags.add(Tag.GRADUATE_FOUNDER)
    return frozenset(tags)


def _fitting_need(rng: random.Random, firm: Firm, catalog: Catalog, standards: Standards) -> Need:
    """A need some bank offers a product for, as most firms ask for what banks lend (drawn
    again a few times); a few firms keep asking for what nobody offers."""
    need = _need(rng, firm)
    if standards.failed() or rng.random() < NO_BANK_SHARE:
        return need
    for _ in range(12):
        if match(firm, need, catalog, standards=standards).route is not Route.COORDINATION:
            return need
        need = _need(rng, firm)
    return need


def _need(rng: random.Random, firm: Firm) -> Need:
    tier = rng.choices(
        (
            (20_000, 100_000),
            (100_000, 500_000),
            (500_000, 5_000_000),
            (5_000_000, 10_000_000),
            (10_000_000, 30_000_000),
        ),
        (0.10, 0.32, 0.44, 0.10, 0.04),
    )[0]
    amount = int(math.exp(rng.uniform(math.log(tier[0]), math.log(tier[1]))) // 10_000 * 10_000)
    purposes = [
        Purpose.WORKING_CAPITAL,
        Purpose.EQUIPMENT,
        Purpose.PLANT,
        Purpose.RND,
        Purpose.TRADE,
    ]
    weights = [0.5, 0.16, 0.06, 0.06, 0.08]
    if firm.existing_banks:
        purposes.append(Purpose.RENEWAL)
        weights.append(0.2)
    collateral = rng.choices(tuple(Collateral), (0.44, 0.24, 0.1, 0.06, 0.1, 0.06))[
        0
    ]  # NONE, PROPERTY, EQUIPMENT, IP, RECEIVABLES, INVENTORY
    return Need(
        amount_yuan=max(amount, 10_000),
        purpose=rng.choices(purposes, weights)[0],
        term_months=rng.choice((6, 12, 12, 12, 24, 36)),
        collateral=frozenset({collateral}),
    )


def _standards(rng: random.Random, i: int, drive: float) -> Standards:
    """Most firms meet the five standards; about one in thirty fails good credit only (credit
    repair) and one in forty another one; none in the parks that prepare their firms best.
    Spread evenly over the firms, so that a small season has some of each."""
    if drive >= 0.9:
        return Standards()
    if i % 30 == 3:
        return Standards(good_credit=False)
    if i % 40 == 7:
        failed = rng.choice([s for s in Standard if s is not Standard.GOOD_CREDIT])
        return Standards(**{failed.value: False})
    return Standards()


def _source_kind(
    rng: random.Random, park: Park | None, day: date, channel: Channel
) -> QrKind | None:
    if channel is Channel.OFFLINE:
        return QrKind.PARK if park and rng.random() < 0.5 else None
    if day.weekday() == 2 and rng.random() < 0.55:  # the Wednesday matching event
        return QrKind.EVENT
    kinds: Sequence[QrKind | None] = (
        QrKind.PARK,
        QrKind.CAMPAIGN,
        QrKind.BRANCH,
        QrKind.MANAGER,
        None,
    )
    weights = (0.62 if park else 0.0, 0.14, 0.1, 0.05, 0.09)
    return rng.choices(kinds, weights)[0]


def _moment(rng: random.Random, day: date, *, event: bool, offline: bool) -> datetime:
    """When on `day` (China time) the firm registers: the event's afternoon, office hours for
    registrations made in person, and evenings too on a phone."""
    if event:
        hours = rng.uniform(14, 17)
    elif offline:
        hours = rng.uniform(9, 17)
    else:
        hours = rng.choices(
            (rng.uniform(8.5, 12), rng.uniform(13.5, 18), rng.uniform(19, 22.5)), (0.4, 0.4, 0.2)
        )[0]
    return datetime.combine(day, time(), tzinfo=CHINA_TZ) + timedelta(hours=hours)
