"""Read a catalog from YAML text, validating every entry; errors name file, entry and field."""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml
from pydantic import ValidationError

from matching.catalog import (
    Bank,
    Branch,
    Catalog,
    GuaranteeProduct,
    LeadBranch,
    LoanProduct,
    Park,
)
from matching.catalog_schema import CatalogIn, GuaranteeIn, LeadBranchIn, ParkIn, ProductIn
from matching.errors import CatalogError
from matching.i18n import Text
from matching.model import Collateral
from matching.regions import canonical_county, city_of_county


def parse_catalog(text: str, *, source: str = "<catalog>") -> Catalog:
    """Build a catalog from YAML text; `source` names the file in every error."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise _error(
            source, [f"{where}: not valid YAML ({getattr(err, 'problem', err)})"]
        ) from None
    if not isinstance(raw, dict):
        raise _error(source, ["the file must be a mapping with banks, parks, products, guarantees"])
    try:
        data = CatalogIn.model_validate(raw)
    except ValidationError as err:
        raise _error(source, [_describe(e, raw) for e in err.errors()]) from None
    problems = _cross_check(data)
    if problems:
        raise _error(source, problems)
    return _build(data, source)


def _error(source: str, problems: list[str]) -> CatalogError:
    lines = [f"{source}: {p}" for p in problems[:20]]
    if len(problems) > 20:
        lines.append(f"{source}: … and {len(problems) - 20} more problems")
    return CatalogError("catalog.invalid", Text.of("catalog.invalid", problems="\n".join(lines)))


def _describe(error: Any, raw: dict[str, Any]) -> str:
    """'products[3] (兴保贷): amount: …' from a pydantic error location."""
    loc = list(error["loc"])
    parts: list[str] = []
    node: Any = raw
    while loc:
        key = loc.pop(0)
        node = node[key] if isinstance(node, dict | list) and _has(node, key) else None
        if isinstance(key, int):
            label = node.get("name") or node.get("code") if isinstance(node, dict) else None
            parts[-1] += f"[{key}]" + (f" ({label})" if label else "")
        else:
            parts.append(str(key))
    entry, field_path = _split_entry(parts)
    return f"{entry}: {field_path}: {error['msg']}" if field_path else f"{entry}: {error['msg']}"


def _has(node: Any, key: Any) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(key, int) and 0 <= key < len(node)


def _split_entry(parts: list[str]) -> tuple[str, str]:
    cut = next((i for i, p in enumerate(parts) if "[" in p), -1)
    if cut < 0:
        return ("catalog", ".".join(parts))
    return (".".join(parts[: cut + 1]), ".".join(parts[cut + 1 :]))


def _duplicates(kind: str, codes: list[str]) -> list[str]:
    return [f"{kind}: code {c!r} is used {n} times" for c, n in Counter(codes).items() if n > 1]


def _cross_check(data: CatalogIn) -> list[str]:
    problems: list[str] = []
    bank_codes = {b.code for b in data.banks}
    branch_banks = {br.code: b.code for b in data.banks for br in b.branches}
    problems += _duplicates("banks", [b.code for b in data.banks])
    problems += _duplicates("branches", [br.code for b in data.banks for br in b.branches])
    problems += _duplicates("parks", [p.code for p in data.parks])
    problems += _duplicates("products", [p.code for p in data.products])
    problems += _duplicates("guarantees", [g.code for g in data.guarantees])
    for i, bank in enumerate(data.banks):
        for j, br in enumerate(bank.branches):
            problems += _county_problems(
                f"banks[{i}] ({bank.name}).branches[{j}]", br.city, br.county
            )
    for i, park in enumerate(data.parks):
        entry = f"parks[{i}] ({park.name})"
        problems += _county_problems(entry, park.city, park.county)
        unknown = [b for b in park.partner_banks if b not in bank_codes]
        if unknown:
            problems.append(f"{entry}: partner_banks: unknown bank codes {unknown}")
        if len(set(park.partner_banks)) != len(park.partner_banks):
            problems.append(f"{entry}: partner_banks: a bank is listed twice")
        if park.lead_branch is not None:
            problems += _lead_problems(entry, park, branch_banks)
    for i, product in enumerate(data.products):
        problems += _product_problems(f"products[{i}] ({product.name})", product, bank_codes)
    groups = Counter(p.exclusive_group for p in data.products if p.exclusive_group)
    problems += [
        f"products: exclusive_group {g!r} has only one product" for g, n in groups.items() if n < 2
    ]
    return problems


def _lead_problems(entry: str, park: ParkIn, branch_banks: dict[str, str]) -> list[str]:
    """A lead branch (主办支行) is a branch of one of the park's partner banks."""
    assert park.lead_branch is not None
    code = park.lead_branch.branch
    if code not in branch_banks:
        return [f"{entry}: lead_branch.branch: unknown branch code {code!r}"]
    if branch_banks[code] not in park.partner_banks:
        return [f"{entry}: lead_branch.branch: {code!r} is not a branch of a partner bank"]
    return []


def _county_problems(entry: str, city: str, county: str) -> list[str]:
    canonical = canonical_county(county, city)
    if canonical is None or city_of_county(canonical) != city:
        return [f"{entry}: county: {county!r} is not a county of {city}"]
    return []


def _product_problems(entry: str, product: ProductIn, bank_codes: set[str]) -> list[str]:
    problems = []
    if product.bank not in bank_codes:
        problems.append(f"{entry}: bank: unknown bank code {product.bank!r}")
    low, high = product.amount
    if low > high:
        problems.append(f"{entry}: amount: minimum {low} is above maximum {high}")
    if product.collateral.required and not product.collateral.accepted:
        problems.append(f"{entry}: collateral: required but no accepted kind is listed")
    return problems


def _build(data: CatalogIn, source: str) -> Catalog:
    return Catalog.of(
        banks=[
            Bank(b.code, b.name, tuple(b.aliases), frozenset(b.service_area)) for b in data.banks
        ],
        branches=[
            Branch(br.code, b.code, br.name, br.city, canonical_county(br.county, br.city) or "")
            for b in data.banks
            for br in b.branches
        ],
        parks=[
            Park(
                p.code,
                p.name,
                p.city,
                canonical_county(p.county, p.city) or "",
                p.stars,
                tuple(p.partner_banks),
                _lead(p.lead_branch),
            )
            for p in data.parks
        ],
        products=[_product(p) for p in data.products],
        guarantees=[_guarantee(g) for g in data.guarantees],
        sample=data.sample,
        source=source,
    )


def _lead(lead: LeadBranchIn | None) -> LeadBranch | None:
    if lead is None:
        return None
    return LeadBranch(lead.branch, lead.since, lead.contact.strip(), lead.phone.strip())


def _product(p: ProductIn) -> LoanProduct:
    return LoanProduct(
        code=p.code,
        bank=p.bank,
        name=p.name,
        amount_min_yuan=p.amount[0],
        amount_max_yuan=p.amount[1],
        entity_types=frozenset(p.entity_types),
        purposes=frozenset(p.purposes),
        max_term_months=p.max_term_months,
        collateral_required=p.collateral.required,
        collateral_accepted=frozenset(p.collateral.accepted) - {Collateral.NONE},
        requires_any_tag=frozenset(p.requires_any_tag),
        regions=frozenset(p.regions),
        exclusive_group=p.exclusive_group,
        needs_guarantee=p.needs_guarantee,
        existing_customers_only=p.existing_customers_only,
        min_months_operating=p.min_months_operating,
        rate=p.rate,
    )


def _guarantee(g: GuaranteeIn) -> GuaranteeProduct:
    return GuaranteeProduct(
        code=g.code,
        name=g.name,
        guarantor=g.guarantor,
        amount_cap_yuan=g.amount_cap,
        fee_rate_pct=g.fee_rate,
        entity_types=frozenset(g.entity_types),
        purposes=frozenset(g.purposes),
        requires_any_tag=frozenset(g.requires_any_tag),
        regions=frozenset(g.regions),
        tag_caps_yuan=tuple(sorted(g.tag_caps.items())),
        note=g.note,
        backs_loans=g.backs_loans,
    )
