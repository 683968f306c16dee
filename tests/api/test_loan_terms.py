"""A credit's terms on `POST /api/v1/leads/{id}/events`: the kind of loan, the guarantee
product, the fees and the term, kept on the lead and logged; bad ones refused with a 422."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, col, select

from db.models import Assignment, Event
from tests.api.conftest import Api
from tests.db.builders import register

LEADS = "/api/v1/leads"


def _contacted(api: Api) -> tuple[int, Any]:
    """A lead accepted and contacted, and its manager calling."""
    lead = register(api.seeded).offers[0]
    caller = api.as_(api.seeded.manager(lead.bank_code))
    assert caller.post(f"{LEADS}/{lead.id}/accept").status_code == 200
    assert caller.post(f"{LEADS}/{lead.id}/events", json={"type": "contacted"}).status_code == 200
    return lead.id, caller


def _lead(api: Api, lead_id: int) -> Assignment:
    with Session(api.seeded.engine) as s:
        found = s.get(Assignment, lead_id)
        assert found is not None
        return found


def test_credit_granted_keeps_its_terms_and_a_loan_restates_some(api: Api) -> None:
    lead_id, caller = _contacted(api)
    grant = {
        "type": "credit_granted", "amount_yuan": 1_000_000, "rate_pct": "3.45",
        "guarantee": "sx-kczxb", "fee_rate_pct": "0.3", "term_months": 12,
    }  # fmt: skip
    answer = caller.post(f"{LEADS}/{lead_id}/events", json=grant)
    assert answer.status_code == 200, answer.json()
    lead = _lead(api, lead_id)
    assert (lead.loan_type, lead.guarantee) == ("guaranteed", "科创专项保")  # by its code
    assert (lead.fee_rate_pct, lead.term_months) == (Decimal("0.3"), 12)
    loan = {"type": "loan_issued", "amount_yuan": 800_000, "term_months": 24, "rate_pct": "3.3"}
    assert caller.post(f"{LEADS}/{lead_id}/events", json=loan).status_code == 200
    lead = _lead(api, lead_id)
    assert (lead.term_months, lead.credit_rate_pct) == (24, Decimal("3.3"))
    assert (lead.loan_type, lead.fee_rate_pct) == ("guaranteed", Decimal("0.3"))  # kept
    with Session(api.seeded.engine) as s:
        logged = s.exec(
            select(Event.payload).where(Event.assignment_id == lead_id).order_by(col(Event.id))
        ).all()
    assert logged[-2]["loan_type"] == "guaranteed" and logged[-2]["fee_rate_pct"] == "0.3"
    assert logged[-1]["term_months"] == 24 and "loan_type" not in logged[-1]


def test_credit_without_terms_reads_as_unknown(api: Api) -> None:
    lead_id, caller = _contacted(api)
    grant = {"type": "credit_granted", "amount_yuan": 500_000}
    assert caller.post(f"{LEADS}/{lead_id}/events", json=grant).status_code == 200
    lead = _lead(api, lead_id)
    assert (lead.loan_type, lead.guarantee, lead.fee_rate_pct, lead.term_months) == (None,) * 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"loan_type": "pawned"}, "loan_type"),
        ({"fee_rate_pct": "-0.1"}, "fee_rate_pct"),
        ({"fee_rate_pct": "20.5"}, "fee_rate_pct"),
        ({"fee_rate_pct": "NaN"}, "fee_rate_pct"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 361}, "term_months"),
        ({"term_months": 10**30}, "term_months"),
        ({"guarantee": "神秘保"}, "guarantee"),
        ({"guarantee": "汇率避险保"}, "guarantee"),  # FX cover, no loan guarantee
        ({"guarantee": "x" * 101}, "guarantee"),
        ({"guarantee": "越幸保", "loan_type": "credit"}, "loan_type"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(
    api: Api, body: dict[str, object], field: str
) -> None:
    lead_id, caller = _contacted(api)
    grant = {"type": "credit_granted", "amount_yuan": 500_000, **body}
    refused = caller.post(f"{LEADS}/{lead_id}/events", json=grant)
    assert refused.status_code == 422, refused.json()
    assert refused.json()["error"]["field"] == field
    assert _lead(api, lead_id).status == "contacted"


def test_terms_on_a_visit_are_refused(api: Api) -> None:
    lead_id, caller = _contacted(api)
    for extra in ({"term_months": 12}, {"rate_pct": "3.5"}):
        visit = {"type": "visited", "effective": True, **extra}
        refused = caller.post(f"{LEADS}/{lead_id}/events", json=visit)
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "terms_not_for_step"
    assert _lead(api, lead_id).status == "contacted"
