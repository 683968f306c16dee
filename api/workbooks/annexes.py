"""The five quarterly tables of 000 §五 in one table: what each is called, what it takes
besides the quarter, and how it is made. The API's `/reports/<slug>.xlsx`, `yinqi report <slug>`
and the dashboard's buttons are all made from `ANNEXES`, so a sixth table is one more line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from api.workbooks.ledgers import city_summary_xlsx, ledger_xlsx, needs_summary_xlsx
from api.workbooks.monitoring import monitoring_xlsx
from api.workbooks.partners import partner_banks_xlsx
from db.reports.ledgers import Quarter
from db.reports.scope import ReportScope
from matching.i18n import Lang


class Takes(StrEnum):
    """What an annex is made for, besides the quarter."""

    PARK = "park"  # one park, which must be given (附表1)
    PARK_OR_REGION = "park_or_region"  # one park, or every park of a region (附表2)
    REGION = "region"  # every park of a region (附表3–5)


@dataclass(frozen=True, slots=True)
class Ask:
    """One request for an annex: the caller's scope, the quarter, the park (when it takes one)."""

    scope: ReportScope
    quarter: Quarter | str
    park: str | None
    now: datetime | None
    lang: Lang


@dataclass(frozen=True, slots=True)
class Annex:
    number: int  # 附表N
    slug: str  # the URL's `<slug>.xlsx`, the command `yinqi report <slug>`, the file name
    key: str  # the dashboard's button: `dashboard.download.<key>`, its id `download-<key>`
    takes: Takes
    make: Callable[[Session, Ask], bytes]
    doc: str  # what it holds: the route's description and the command's help

    def file_name(self, quarter: Quarter | str, where: str | None) -> str:
        """`<slug>-<park, region or all>-<quarter>.xlsx`."""
        return f"{self.slug}-{where or 'all'}-{quarter}.xlsx"


def _ledger(session: Session, ask: Ask) -> bytes:
    park = ask.park or ""  # Takes.PARK: the route and the command insist on one
    return ledger_xlsx(
        session, scope=ask.scope, park_code=park, quarter=ask.quarter, now=ask.now, lang=ask.lang
    )


def _summary(session: Session, ask: Ask) -> bytes:
    return needs_summary_xlsx(
        session, scope=ask.scope, quarter=ask.quarter, park_code=ask.park, now=ask.now,
        lang=ask.lang,
    )  # fmt: skip


def _of_region(
    make: Callable[..., bytes],
) -> Callable[[Session, Ask], bytes]:
    def made(session: Session, ask: Ask) -> bytes:
        return make(session, scope=ask.scope, quarter=ask.quarter, now=ask.now, lang=ask.lang)

    return made


ANNEXES: tuple[Annex, ...] = (
    Annex(1, "ledger", "ledger", Takes.PARK, _ledger,
          "分类建档基础台账 (附表1): a park's classification ledger for a quarter, one row per "
          "firm of its roster and every firm registered with it, as at the quarter's end."),
    Annex(2, "needs-summary", "summary", Takes.PARK_OR_REGION, _summary,
          "融资需求及融资成本情况汇总表 (附表2): needs, credit and loans by credit-scale tier, the "
          "credit by kind of loan and by term, and its cost (rate, fees, all-in), for one park "
          "or every park of the region."),
    Annex(3, "city-summary", "city", Takes.REGION, _of_region(city_summary_xlsx),
          "小微企业园融资需求及融资成本情况汇总表 (附表3): the parks of the region side by side, "
          "each with its 附表2 figures for the quarter, and their total."),
    Annex(4, "monitoring", "monitoring", Takes.REGION, _of_region(monitoring_xlsx),
          "小微工业园金融服务情况监测表 (附表4): each bank's service to the region's parks: parks "
          "partnered and served, firms served and granted credit by the quarter's end, the "
          "quarter's credit and loans, by kind and term, and their cost."),
    Annex(5, "partner-banks", "partners", Takes.REGION, _of_region(partner_banks_xlsx),
          "伙伴银行情况表 (附表5): each park's partner banks in its order, the 主办 bank and its "
          "lead branch, contact and since when, their branches in the park's county, and the "
          "firms each served by the quarter's end."),
)  # fmt: skip
ANNEX_BY_NUMBER = {annex.number: annex for annex in ANNEXES}
