"""The catalog: banks, branches, parks, loan products and guarantee products, with lookups."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from rapidfuzz import fuzz, process

from matching.banks import bank_key, canonical_bank
from matching.model import Collateral, EntityType, Purpose, Tag


@dataclass(frozen=True, slots=True)
class Bank:
    code: str
    name: str  # the name a firm owner knows: 绍兴银行, 嵊州农商银行
    aliases: tuple[str, ...] = ()
    service_area: frozenset[str] = frozenset()  # counties/cities a local bank serves; empty: all

    def serves(self, city: str, county: str) -> bool:
        """Whether the bank takes firms from this place (a county 农商银行 serves its county)."""
        return not self.service_area or city in self.service_area or county in self.service_area


@dataclass(frozen=True, slots=True)
class Branch:
    code: str
    bank: str
    name: str
    city: str
    county: str


@dataclass(frozen=True, slots=True)
class LeadBranch:
    """A park's 主办支行 (000 §四's 主办支行制度): the partner bank's branch that leads the
    park's service, since when, and whom the park and the regulator call there."""

    branch: str  # a branch code of one of the park's partner banks
    since: date
    contact: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Park:
    code: str
    name: str
    city: str
    county: str
    stars: int
    partner_banks: tuple[str, ...]
    lead: LeadBranch | None = None


@dataclass(frozen=True, slots=True)
class LoanProduct:
    code: str
    bank: str
    name: str
    amount_min_yuan: int
    amount_max_yuan: int
    entity_types: frozenset[EntityType]
    purposes: frozenset[Purpose]
    max_term_months: int
    collateral_required: bool = False
    collateral_accepted: frozenset[Collateral] = frozenset()
    requires_any_tag: frozenset[Tag] = frozenset()
    regions: frozenset[str] = frozenset()  # cities or counties; empty: wherever the bank is
    exclusive_group: str | None = None
    needs_guarantee: bool = False  # lends without collateral against a policy guarantee
    existing_customers_only: bool = False  # e.g. 无还本续贷: only the firm's own lending bank
    min_months_operating: int = 0  # how long the firm must have been in business
    rate: str = ""


@dataclass(frozen=True, slots=True)
class GuaranteeProduct:
    code: str
    name: str
    guarantor: str
    amount_cap_yuan: int
    fee_rate_pct: Decimal
    entity_types: frozenset[EntityType]
    purposes: frozenset[Purpose]
    requires_any_tag: frozenset[Tag] = frozenset()
    regions: frozenset[str] = frozenset()
    tag_caps_yuan: tuple[tuple[Tag, int], ...] = ()  # a higher cap for firms with a tag
    note: str = ""
    backs_loans: bool = True  # False for cover that is no loan guarantee (FX hedging)

    def cap_for(self, tags: frozenset[Tag]) -> int:
        """The amount cap for a firm with these tags (e.g. 专精特新 up to 20M under 科创专项保)."""
        caps = [cap for tag, cap in self.tag_caps_yuan if tag in tags]
        return max([self.amount_cap_yuan, *caps])


def _alias_forms(bank: Bank) -> Iterable[str]:
    yield bank.name
    yield from bank.aliases
    for form in (bank.name, *bank.aliases):
        if form.endswith("农商银行"):
            stem = form.removesuffix("农商银行")
            yield from (stem + "农村商业银行", stem + "农商行", stem + "农商")


@dataclass(frozen=True)
class Catalog:
    """An immutable catalog with the indexes matching needs; build through `Catalog.of`."""

    banks: tuple[Bank, ...]
    branches: tuple[Branch, ...]
    parks: tuple[Park, ...]
    products: tuple[LoanProduct, ...]
    guarantees: tuple[GuaranteeProduct, ...]
    sample: bool = False
    source: str = ""
    bank_by_code: Mapping[str, Bank] = field(init=False, repr=False, compare=False)
    park_by_key: Mapping[str, Park] = field(init=False, repr=False, compare=False)
    _aliases: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _branches: Mapping[tuple[str, str], tuple[Branch, ...]] = field(
        init=False, repr=False, compare=False
    )
    _city_banks: Mapping[str, tuple[Bank, ...]] = field(init=False, repr=False, compare=False)
    _offers: Mapping[tuple[str, Purpose], tuple[LoanProduct, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "bank_by_code", MappingProxyType({b.code: b for b in self.banks}))
        parks = {p.code: p for p in self.parks} | {p.name: p for p in self.parks}
        put(self, "park_by_key", MappingProxyType(parks))
        aliases = {bank_key(form): b.code for b in self.banks for form in _alias_forms(b)}
        put(self, "_aliases", MappingProxyType(aliases))
        branches: dict[tuple[str, str], list[Branch]] = {}
        city_banks: dict[str, dict[str, Bank]] = {}
        for br in self.branches:
            branches.setdefault((br.bank, br.city), []).append(br)
            city_banks.setdefault(br.city, {})[br.bank] = self.bank_by_code[br.bank]
        put(self, "_branches", MappingProxyType({k: tuple(v) for k, v in branches.items()}))
        put(
            self,
            "_city_banks",
            MappingProxyType(
                {
                    city: tuple(sorted(bs.values(), key=lambda b: b.code))
                    for city, bs in city_banks.items()
                }
            ),
        )
        offers: dict[tuple[str, Purpose], list[LoanProduct]] = {}
        for p in self.products:
            for purpose in p.purposes:
                offers.setdefault((p.bank, purpose), []).append(p)
        put(self, "_offers", MappingProxyType({k: tuple(v) for k, v in offers.items()}))

    @classmethod
    def of(
        cls,
        *,
        banks: Iterable[Bank],
        branches: Iterable[Branch],
        parks: Iterable[Park] = (),
        products: Iterable[LoanProduct] = (),
        guarantees: Iterable[GuaranteeProduct] = (),
        sample: bool = False,
        source: str = "",
    ) -> Catalog:
        return cls(
            tuple(banks),
            tuple(branches),
            tuple(parks),
            tuple(products),
            tuple(guarantees),
            sample,
            source,
        )

    def banks_in(self, city: str) -> tuple[Bank, ...]:
        """Banks with at least one branch in the city, in code order."""
        return self._city_banks.get(city, ())

    def branch_for(self, bank: str, city: str, county: str) -> Branch | None:
        """The branch that serves a firm: one in its county if there is one, else in its city."""
        branches = self._branches.get((bank, city), ())
        for br in branches:
            if br.county == county:
                return br
        return branches[0] if branches else None

    def offers(self, bank: str, purpose: Purpose) -> tuple[LoanProduct, ...]:
        return self._offers.get((bank, purpose), ())

    def bank_products(self, bank: str) -> tuple[LoanProduct, ...]:
        """The loan products of a bank (its code), in catalog order."""
        return tuple(p for p in self.products if p.bank == bank)

    def bank_product(self, bank: str, typed: str) -> LoanProduct | None:
        """A bank's product named by its code or its name, as a bank's system sends it."""
        key = _folded(typed)
        for product in self.bank_products(bank):
            if key in (product.code.casefold(), _folded(product.name)):
                return product
        return None

    def guarantee_product(self, typed: str) -> GuaranteeProduct | None:
        """A guarantee product that backs loans, named by its code or its name."""
        key = _folded(typed)
        for g in self.guarantees:
            if g.backs_loans and key in (g.code.casefold(), _folded(g.name)):
                return g
        return None

    def park(self, key: str) -> Park | None:
        return self.park_by_key.get(key.strip()) if key else None

    def resolve_bank(self, typed: str) -> Bank | None:
        """The catalog bank a person meant by a typed name ("农行诸暨支行", "嵊州农村商业银行")."""
        key = bank_key(typed)
        if not key:
            return None
        canonical = canonical_bank(key)
        code = self._aliases.get(key) or self._aliases.get(canonical)
        if code is None and canonical == key:  # not a well-known bank of another name
            found = process.extractOne(
                key, self._aliases.keys(), scorer=fuzz.ratio, score_cutoff=88
            )
            if found and abs(len(found[0]) - len(key)) <= 2:
                code = self._aliases[found[0]]
        return self.bank_by_code[code] if code else None


def _folded(text: str) -> str:
    """A name as compared: full-width folded, no surrounding spaces, case ignored."""
    return unicodedata.normalize("NFKC", text).strip().casefold()
