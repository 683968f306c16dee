"""Yinqi's matching core: the rules of bank–enterprise matchmaking, pure and fast.

Frozen dataclasses in, frozen dataclasses out; no I/O, no clock, no environment. The entry point
is `match(firm, need, catalog, policy, standards=…)`; catalogs come from `parse_catalog` (YAML
text) or `sample_catalog()` (the bundled sample data). A registration's values — the
`NeedDraft` handed in, the `Registration` handed back — live in `matching.registration`, so the
bot's conversation may speak them without storage.
"""

from matching.catalog import Bank, Branch, Catalog, GuaranteeProduct, LoanProduct, Park
from matching.catalog_yaml import parse_catalog
from matching.engine import match
from matching.errors import AmountError, CatalogError, InputError, MatchingError, UsccError
from matching.i18n import Lang, Text
from matching.model import (
    BankChoice,
    Blocked,
    Collateral,
    EntityType,
    Firm,
    GuaranteeChoice,
    MatchResult,
    Need,
    Purpose,
    Route,
    Standards,
    Tag,
    Tier,
)
from matching.policy import DEFAULT_POLICY, Policy

__all__ = [
    "DEFAULT_POLICY",
    "AmountError",
    "Bank",
    "BankChoice",
    "Blocked",
    "Branch",
    "Catalog",
    "CatalogError",
    "Collateral",
    "EntityType",
    "Firm",
    "GuaranteeChoice",
    "GuaranteeProduct",
    "InputError",
    "Lang",
    "LoanProduct",
    "MatchResult",
    "MatchingError",
    "Need",
    "Park",
    "Policy",
    "Purpose",
    "Route",
    "Standards",
    "Tag",
    "Text",
    "Tier",
    "UsccError",
    "match",
    "parse_catalog",
]
