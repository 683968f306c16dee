"""A match result as JSON-ready data, and as readable text for `--explain`."""

from __future__ import annotations

from typing import Any

from matching.catalog import Catalog
from matching.i18n import Lang, Text, t
from matching.model import MatchResult
from matching.workdays import Deadlines


def text_json(text: Text) -> dict[str, str]:
    """A text in both languages: {"zh": …, "en": …}."""
    return {"zh": text.zh, "en": text.en}


def result_json(result: MatchResult) -> dict[str, Any]:
    """The result keys of `yinqi match`: route, bank_limit, slots_left, banks, guarantees, …"""
    return {
        "route": result.route.value,
        "tier": result.tier.value,
        "bank_limit": result.bank_limit,
        "banks_serving": result.banks_serving,
        "slots_left": result.slots_left,
        "first_loan": result.first_loan,
        "banks": [
            {
                "bank": b.bank,
                "bank_code": b.bank_code,
                "branch": b.branch,
                "products": list(b.products),
                "existing": b.existing,
                "reasons": [text_json(r) for r in b.reasons],
            }
            for b in result.banks
        ],
        "guarantees": [
            {
                "name": g.name,
                "code": g.code,
                "guarantor": g.guarantor,
                "fee_rate": f"{g.fee_rate_pct}%",
                "fee_rate_pct": float(g.fee_rate_pct),
                "reasons": [text_json(r) for r in g.reasons],
            }
            for g in result.guarantees
        ],
        "blocked": [{"rule": b.rule, "reason": text_json(b.reason)} for b in result.blocked],
        "notes": [text_json(n) for n in result.notes],
    }


def explain(result: MatchResult, lang: Lang | str = Lang.ZH) -> str:
    """The result as a few readable paragraphs, in one language."""
    lang = Lang(lang)
    limit = "—" if result.bank_limit is None else str(result.bank_limit)
    slots = "—" if result.slots_left is None else str(result.slots_left)
    lines = [
        t(
            "explain.route",
            lang,
            route=Text.of(f"route.{result.route.value}"),
            code=result.route.value,
        ),
        t("explain.tier", lang, tier=Text.of(f"tier.{result.tier.value}")),
        t("explain.limit", lang, limit=limit, serving=result.banks_serving, slots=slots),
    ]
    lines.append(t("explain.banks", lang) if result.banks else t("explain.no_banks", lang))
    for i, bank in enumerate(result.banks, 1):
        lines.append(f"  {i}. {bank.bank} · {bank.branch} · {'、'.join(bank.products)}")
        lines.extend(f"     - {r.render(lang)}" for r in bank.reasons)
    if result.guarantees:
        lines.append(t("explain.guarantees", lang))
        lines.extend(f"  - {r.render(lang)}" for g in result.guarantees for r in g.reasons)
    for title, items in (
        ("explain.blocked", [b.reason for b in result.blocked]),
        ("explain.notes", list(result.notes)),
    ):
        if items:
            lines.append(t(title, lang))
            lines.extend(f"  - {item.render(lang)}" for item in items)
    if result.passed_over:
        lines.append(t("explain.passed_over", lang))
        lines.extend(f"  - {p.bank}: {p.reason.render(lang)}" for p in result.passed_over)
    return "\n".join(lines)


def deadlines_json(d: Deadlines) -> dict[str, Any]:
    """The "135" clocks of an assignment, ISO 8601 in China time, with the estimate caveat."""
    return {
        "accept_by": d.accept_by.isoformat(),
        "contact_by": d.contact_by.isoformat(),
        "decide_by": d.decide_by.isoformat(),
        "final_by": d.final_by.isoformat(),
        "estimated": d.estimated,
        "note": text_json(d.note) if d.note else None,
    }


def explain_deadlines(d: Deadlines, lang: Lang | str = Lang.ZH) -> str:
    """The clocks as one readable line (and the caveat when the calendar had to guess)."""
    line = t(
        "explain.deadlines",
        lang,
        accept=f"{d.accept_by:%Y-%m-%d %H:%M}",
        contact=f"{d.contact_by:%Y-%m-%d %H:%M}",
        decide=f"{d.decide_by:%Y-%m-%d %H:%M}",
        final=f"{d.final_by:%Y-%m-%d %H:%M}",
    )
    return f"{line}\n  - {d.note.render(lang)}" if d.note else line


def catalog_json(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """A catalog's entries as JSON-ready objects, each with at least `code` and `name`."""
    return {
        "banks": [
            {
                "code": b.code,
                "name": b.name,
                "aliases": list(b.aliases),
                "service_area": sorted(b.service_area),
                "branches": [br.code for br in catalog.branches if br.bank == b.code],
            }
            for b in catalog.banks
        ],
        "parks": [
            {
                "code": p.code,
                "name": p.name,
                "city": p.city,
                "county": p.county,
                "stars": p.stars,
                "partner_banks": list(p.partner_banks),
                "lead_branch": None
                if p.lead is None
                else {
                    "branch": p.lead.branch,
                    "since": p.lead.since.isoformat(),
                    "contact": p.lead.contact,
                    "phone": p.lead.phone,
                },
            }
            for p in catalog.parks
        ],
        "products": [
            {
                "code": p.code,
                "name": p.name,
                "bank": p.bank,
                "amount_yuan": [p.amount_min_yuan, p.amount_max_yuan],
                "purposes": sorted(p.purposes),
                "max_term_months": p.max_term_months,
                "exclusive_group": p.exclusive_group,
            }
            for p in catalog.products
        ],
        "guarantees": [
            {
                "code": g.code,
                "name": g.name,
                "guarantor": g.guarantor,
                "amount_cap_yuan": g.amount_cap_yuan,
                "fee_rate_pct": float(g.fee_rate_pct),
            }
            for g in catalog.guarantees
        ],
    }
