"""The terms of a credit or a loan as the quarterly tables count them (000 §五: 附表2's 融资成本,
附表4's credit to the parks): its kind (信用 / 抵押 / 保证, the split every Chinese loan
statistic makes), its term (short, up to a year, or medium and long), and its cost — the interest
rate plus the guarantee fee and other fees (综合融资成本).

A credit recorded before these were asked for has none of them: it reads as unknown (未知), a
column of its own, never guessed into one of the others."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final


class LoanType(StrEnum):
    """How the credit is secured."""

    CREDIT = "credit"  # 信用: on the firm's credit alone
    SECURED = "secured"  # 抵押 (质押): against property, equipment, receivables, IP …
    GUARANTEED = "guaranteed"  # 保证 (担保): a guarantor stands behind it, a policy guarantee too


class TermBand(StrEnum):
    """短期 (up to a year) or 中长期 (longer), as the People's Bank counts loans."""

    SHORT = "short"
    MEDIUM_LONG = "medium_long"


SHORT_TERM_MAX_MONTHS: Final = 12
MAX_TERM_MONTHS: Final = 360  # 30 years: the longest a product in the catalog may run
MAX_FEE_RATE_PCT: Final = Decimal(20)
"""The guarantee fee and other fees, in percent a year: the policy guarantees charge ≤ 1%
(004), a commercial guarantor a few percent; above 20% is a typo, not a fee."""

UNKNOWN: Final = "unknown"
"""What an old credit, recorded without its terms, reads as in every split."""


def term_band(months: int | None) -> TermBand | None:
    """The band of a term in months; None when the term was not recorded."""
    if months is None:
        return None
    return TermBand.SHORT if months <= SHORT_TERM_MAX_MONTHS else TermBand.MEDIUM_LONG


def all_in_cost(rate_pct: Decimal | None, fee_rate_pct: Decimal | None) -> Decimal | None:
    """综合融资成本 of one credit, in percent a year: its interest and its fees; None unless
    both were recorded (a credit with no fees records 0)."""
    if rate_pct is None or fee_rate_pct is None:
        return None
    return rate_pct + fee_rate_pct


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """What a bank says of a credit or loan beyond its amount and rate; None: not said."""

    loan_type: LoanType | None = None
    guarantee: str | None = None  # a guarantee product of the catalog, by code or name
    fee_rate_pct: Decimal | None = None  # guarantee fee and other fees, percent a year
    term_months: int | None = None

    @property
    def given(self) -> bool:
        return self != LoanTerms()
