"""The words of the domain: who asks for money, for what, and what the matcher answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from matching.i18n import Text


class EntityType(StrEnum):
    ENTERPRISE = "enterprise"
    INDIVIDUAL_BUSINESS = "individual_business"
    BUSINESS_OWNER = "business_owner"
    FARMER = "farmer"


class Tag(StrEnum):
    HIGH_TECH = "high_tech"
    TECH_SME = "tech_sme"
    SPECIALIZED_SME = "specialized_sme"
    AGRI = "agri"
    FOREIGN_TRADE = "foreign_trade"
    GRADUATE_FOUNDER = "graduate_founder"


class Purpose(StrEnum):
    WORKING_CAPITAL = "working_capital"
    EQUIPMENT = "equipment"
    PLANT = "plant"
    RND = "rnd"
    RENEWAL = "renewal"
    TRADE = "trade"


class Collateral(StrEnum):
    NONE = "none"
    PROPERTY = "property"
    EQUIPMENT = "equipment"
    IP = "ip"
    RECEIVABLES = "receivables"
    INVENTORY = "inventory"


class Standard(StrEnum):
    """The five standards (五项标准) a need must meet to be referred to banks."""

    COMPLIANT_OPERATION = "compliant_operation"
    FIXED_PREMISES = "fixed_premises"
    REAL_NEED = "real_need"
    GOOD_CREDIT = "good_credit"
    LAWFUL_PURPOSE = "lawful_purpose"


class Tier(StrEnum):
    """Credit-scale tiers (000 §四): below 100k, 100k–500k, 500k–5M, 5M–10M, above 10M yuan."""

    BELOW_100K = "below_100k"
    FROM_100K_TO_500K = "100k_500k"
    FROM_500K_TO_5M = "500k_5m"
    FROM_5M_TO_10M = "5m_10m"
    ABOVE_10M = "above_10m"


class Route(StrEnum):
    ASSIGN = "assign"
    EXISTING_BANKS_ONLY = "existing_banks_only"
    CREDIT_REPAIR = "credit_repair"
    COORDINATION = "coordination"


@dataclass(frozen=True, slots=True)
class Firm:
    """The firm asking: what it is, where it is, and which banks already lend to it."""

    entity_type: EntityType
    name: str = ""
    uscc: str = ""
    city: str = ""
    county: str = ""
    park: str = ""
    industry: str = ""
    tags: frozenset[Tag] = frozenset()
    existing_banks: tuple[str, ...] = ()
    existing_credit_yuan: int = 0
    months_operating: int | None = None  # None: not told

    @property
    def first_loan(self) -> bool:
        """A first-loan firm (首贷户) has never borrowed from a bank."""
        return not self.existing_banks and self.existing_credit_yuan == 0


@dataclass(frozen=True, slots=True)
class Need:
    """One financing need: how much, for what, how long, against what."""

    amount_yuan: int
    purpose: Purpose
    term_months: int = 12
    collateral: frozenset[Collateral] = frozenset({Collateral.NONE})
    products: tuple[str, ...] = ()  # products the firm asked for by name, if any

    @property
    def is_renewal(self) -> bool:
        """续贷 / 无还本续贷: the loan that falls due is replaced, not added to."""
        return self.purpose is Purpose.RENEWAL

    @property
    def offered_collateral(self) -> frozenset[Collateral]:
        return self.collateral - {Collateral.NONE}


@dataclass(frozen=True, slots=True)
class Standards:
    """What the firm declares against the five standards; all must hold for a bank referral."""

    compliant_operation: bool = True
    fixed_premises: bool = True
    real_need: bool = True
    good_credit: bool = True
    lawful_purpose: bool = True

    def failed(self) -> tuple[Standard, ...]:
        return tuple(s for s in Standard if not getattr(self, s.value))


@dataclass(frozen=True, slots=True)
class Blocked:
    """A rule that stopped or narrowed the match, and why, in words a firm owner understands."""

    rule: str
    reason: Text


@dataclass(frozen=True, slots=True)
class BankChoice:
    """A bank the firm is matched to, the branch that will serve it, and its fitting products."""

    bank_code: str
    bank: str
    branch: str
    products: tuple[str, ...]
    reasons: tuple[Text, ...]
    existing: bool = False


@dataclass(frozen=True, slots=True)
class GuaranteeChoice:
    """A government guarantee product that fits the need."""

    code: str
    name: str
    guarantor: str
    fee_rate_pct: str
    reasons: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Everything the matcher decided, with a reason for every choice and every refusal."""

    route: Route
    tier: Tier
    bank_limit: int | None
    banks_serving: int
    slots_left: int | None
    banks: tuple[BankChoice, ...]
    guarantees: tuple[GuaranteeChoice, ...]
    blocked: tuple[Blocked, ...] = ()
    notes: tuple[Text, ...] = ()
    existing_bank_codes: tuple[str, ...] = ()
    first_loan: bool = False
    passed_over: tuple[PassedOver, ...] = ()
    queue: tuple[BankChoice, ...] = ()
    """Every bank that could take the need, best first, whatever the limit (`banks` first when
    it goes to banks): the queue storage offers along when a bank declines or lets an offer
    expire, and the pool banks claim from. Banks already lending are left out unless it is a
    renewal; empty when the five standards fail."""


@dataclass(frozen=True, slots=True)
class PassedOver:
    """A product of a bank near the firm that was considered and did not fit, and why."""

    bank: str
    product: str
    reason: Text
