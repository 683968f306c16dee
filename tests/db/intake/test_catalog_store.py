"""The catalog in the database keeps each park's lead branch (主办支行) and replaces it as the
catalog file says, as it does the partner banks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from db.intake.catalog_store import load_catalog, save_catalog
from matching.catalog import Catalog, LeadBranch
from matching.data import sample_catalog


def _with_lead(catalog: Catalog, code: str, lead: LeadBranch | None) -> Catalog:
    parks = [replace(p, lead=lead) if p.code == code else p for p in catalog.parks]
    return Catalog.of(
        banks=catalog.banks, branches=catalog.branches, parks=parks,
        products=catalog.products, guarantees=catalog.guarantees, sample=catalog.sample,
    )  # fmt: skip


def test_a_parks_lead_branch_is_kept_changed_and_removed(engine: Engine) -> None:
    sample = sample_catalog()
    with Session(engine) as s:
        save_catalog(s, sample)
        s.commit()
        stored = load_catalog(s).park("yc-gxq")
        assert stored is not None and stored.lead == LeadBranch(
            "sxbank-yc", date(2019, 8, 1), "张经理", "0575-00000004"
        )
        assert not save_catalog(s, sample).changed  # the same file again: nothing changes
    moved = LeadBranch("hxrcb-hq", date(2026, 1, 5), "钱经理", "")
    with Session(engine) as s:
        report = save_catalog(s, _with_lead(sample, "yc-gxq", moved))
        s.commit()
        assert report.updated.get("parks") == 1
        assert load_catalog(s).park("yc-gxq").lead == moved  # type: ignore[union-attr]
    with Session(engine) as s:
        save_catalog(s, _with_lead(sample, "yc-gxq", None))
        s.commit()
        assert load_catalog(s).park("yc-gxq").lead is None  # type: ignore[union-attr]
