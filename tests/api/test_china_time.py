"""Times in answers carry China's +08:00 offset, as the managers and coordinators reading them
live by it, never UTC's `Z` — on every route that answers a moment."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from db.intake.qr_sources import create_source
from tests.api.conftest import Api
from tests.db.builders import firm, register

_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def _moments(value: Any) -> list[str]:
    """Every ISO moment in a JSON answer."""
    if isinstance(value, dict):
        return [m for v in value.values() for m in _moments(v)]
    if isinstance(value, list):
        return [m for v in value for m in _moments(v)]
    return [value] if isinstance(value, str) and _MOMENT.match(value) else []


def _all_china(answer: Any) -> list[str]:
    moments = _moments(answer)
    assert moments, "the answer holds no moment to check"
    for moment in moments:
        assert moment.endswith("+08:00"), moment
    return moments


def test_leads_pool_needs_reports_and_codes_answer_in_china_time(api: Api) -> None:
    registration = register(api.seeded)
    lead = registration.offers[0]
    manager = api.as_(api.seeded.manager(lead.bank_code))
    page = manager.get("/api/v1/leads").json()
    first = _all_china(page)
    _all_china(manager.get(f"/api/v1/leads/{lead.id}").json())
    _all_china(manager.post(f"/api/v1/leads/{lead.id}/accept").json())
    admin = api.as_(api.seeded.admin)
    _all_china(admin.get(f"/api/v1/needs/{registration.need_id}").json())
    _all_china(api.as_(api.seeded.coordinator).get("/api/v1/reports/progress").json())
    other = register(api.seeded, firm=firm(name="绍兴第二纺织有限公司"), chat_id=1002)
    assert other.need_id
    _all_china(api.as_(api.seeded.manager("tlbank")).get("/api/v1/pool").json())
    with api.seeded.session() as s:
        create_source(s, kind="park", target="yc-gxq", label="越城", token="yc-code")
    _all_china(admin.get("/api/v1/qr").json())
    # the same instant as before, only written in China time
    stored = datetime.fromisoformat(first[0])
    assert stored.utcoffset() is not None and stored.utcoffset().total_seconds() == 8 * 3600
