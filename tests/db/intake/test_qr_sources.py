"""Loan QR sources: made for something that exists, retired, found from a start payload, and
counted from scan to credit granted, each need once however many banks hold it."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from db.core.errors import Conflict, InvalidInput, NotFound
from db.core.vocabulary import Channel, QrKind, Role
from db.intake.qr_sources import (
    Funnel,
    create_source,
    deactivate_source,
    funnel,
    list_sources,
    source_for_payload,
)
from db.intake.qr_tokens import is_payload, new_token
from db.leads.assignments import accept, claim, record_follow_up
from db.leads.views import Lead, leads_of_need
from db.models import Scan, Staff
from matching.model import Standards
from tests.databases import Seeds
from tests.db.builders import MONDAY, YUECHENG_BANKS, Seeded, firm, register


@pytest.fixture
def seeded(engine: Engine, seeds: Seeds) -> Iterator[Seeded]:
    yield seeds.into(engine, managers_per_bank=1)


def _make(seeded: Seeded, kind: str, target: str, **kwargs: str) -> str:
    kwargs.setdefault("label", "越城区 · 绍兴高新区 贷款码")
    with seeded.session() as s:
        return create_source(s, kind=kind, target=target, now=MONDAY, **kwargs).token


def _refusal(seeded: Seeded, kind: str, target: str, **kwargs: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        _make(seeded, kind, target, **kwargs)
    return refused.value


def test_a_park_code_gets_a_random_token_that_is_a_start_payload(seeded: Seeded) -> None:
    with seeded.session() as s:
        made = create_source(s, kind="park", target=" yc-gxq ", label=" 高新区 贷款码 ", now=MONDAY)
    assert (made.kind, made.target, made.label, made.active) == (
        QrKind.PARK,
        "yc-gxq",
        "高新区 贷款码",
        True,
    )
    assert len(made.token) == 16 and is_payload(made.token)
    assert made.created_at == MONDAY and made.funnel is None


def test_a_new_token_never_starts_with_a_dash_so_a_command_line_takes_it_as_it_is() -> None:
    tokens = [new_token() for _ in range(2000)]  # 1 in 64 would, drawn freely
    assert all(is_payload(t) and len(t) == 16 and not t.startswith("-") for t in tokens)
    assert len(set(tokens)) == len(tokens)


def test_branch_manager_campaign_and_event_targets(seeded: Seeded) -> None:
    manager_id = seeded.manager("sxbank").staff_id
    assert _make(seeded, "branch", "sxbank-yc")
    assert _make(seeded, "manager", str(manager_id))
    assert _make(seeded, "campaign", "百行进万企")
    assert _make(seeded, "event", "2026-11-25 线上银企对接会")
    with seeded.session() as s:
        kinds = [(v.kind, v.target) for v in list_sources(s)]
    assert kinds[1] == (QrKind.MANAGER, str(manager_id))


@pytest.mark.parametrize(
    ("kind", "target", "field", "code"),
    [
        ("poster", "yc-gxq", "kind", "unknown_qr_kind"),
        ("park", "no-such-park", "target", "unknown_park"),
        ("park", "sxbank-yc", "target", "unknown_park"),  # a branch is not a park
        ("branch", "yc-gxq", "target", "unknown_branch_code"),
        ("manager", "abc", "target", "unknown_manager"),
        ("manager", "99999", "target", "unknown_manager"),
        ("manager", "9" * 30, "target", "unknown_manager"),
        ("campaign", "   ", "target", "qr_target"),
        ("event", "会" * 101, "target", "qr_target"),
    ],
)
def test_a_target_that_does_not_exist_is_refused_by_field(
    seeded: Seeded, kind: str, target: str, field: str, code: str
) -> None:
    refusal = _refusal(seeded, kind, target)
    assert (refusal.field, refusal.code) == (field, code)


def test_a_bank_admin_or_an_inactive_manager_is_no_manager_target(seeded: Seeded) -> None:
    admin = seeded.bank_admins["sxbank"].staff_id
    assert _refusal(seeded, "manager", str(admin)).code == "unknown_manager"
    manager = seeded.manager("sxbank").staff_id
    with seeded.session() as s:
        staff = s.get(Staff, manager)
        assert staff is not None and staff.role == Role.MANAGER
        staff.active = False
        s.add(staff)
        s.commit()
    assert _refusal(seeded, "manager", str(manager)).code == "unknown_manager"


@pytest.mark.parametrize("label", ["", "  ", "码" * 201])
def test_a_label_is_1_to_200_characters(seeded: Seeded, label: str) -> None:
    refusal = _refusal(seeded, "park", "yc-gxq", label=label)
    assert (refusal.field, refusal.code) == ("label", "qr_label")


@pytest.mark.parametrize("token", ["has space", "园区码", "x" * 65, "a.b"])
def test_a_token_given_must_be_a_start_payload(seeded: Seeded, token: str) -> None:
    refusal = _refusal(seeded, "park", "yc-gxq", token=token)
    assert (refusal.field, refusal.code) == ("token", "bad_qr_token")


def test_a_token_in_use_is_a_conflict_and_nothing_is_made(seeded: Seeded) -> None:
    _make(seeded, "park", "yc-gxq", token="yc-gxq-2026")
    with pytest.raises(Conflict) as refused:
        _make(seeded, "event", "周三对接会", token="yc-gxq-2026")
    assert refused.value.code == "qr_token_taken" and "yc-gxq-2026" in str(refused.value)
    with seeded.session() as s:
        assert [v.kind for v in list_sources(s)] == [QrKind.PARK]


def test_a_start_payload_finds_only_an_active_source(seeded: Seeded) -> None:
    token = _make(seeded, "park", "yc-gxq", token="yc-gxq-2026")
    with seeded.session() as s:
        found = source_for_payload(s, token)
        assert found is not None and (found.token, found.target) == (token, "yc-gxq")
        for payload in ("", "unknown", "yc-gxq 2026", "x" * 500, "YC-GXQ-2026"):
            assert source_for_payload(s, payload) is None
    with seeded.session() as s:
        retired = deactivate_source(s, token=token)
    assert retired.active is False
    with seeded.session() as s:
        assert source_for_payload(s, token) is None
        assert [v.active for v in list_sources(s)] == [False]


def test_deactivating_an_unknown_token_is_not_found(seeded: Seeded) -> None:
    with seeded.session() as s, pytest.raises(NotFound):
        deactivate_source(s, token="nope")


def test_list_sources_by_kind_token_and_state(seeded: Seeded) -> None:
    park = _make(seeded, "park", "yc-gxq", token="park")
    _make(seeded, "event", "对接会", token="event")
    _make(seeded, "campaign", "百行进万企", token="campaign")
    with seeded.session() as s:
        deactivate_source(s, token="event")
    with seeded.session() as s:
        assert [v.token for v in list_sources(s, kind="park")] == [park]
        assert [v.token for v in list_sources(s, active=True)] == ["park", "campaign"]
        assert [v.token for v in list_sources(s, tokens=["campaign", "event"])] == [
            "event",
            "campaign",
        ]
        with pytest.raises(NotFound) as unknown:
            list_sources(s, tokens=["park", "nope"])
        assert "nope" in str(unknown.value)


def _scans(seeded: Seeded, token: str, *, scanned: int, consented: int) -> None:
    with seeded.session() as s:
        source = source_for_payload(s, token)
        assert source is not None
        for i in range(scanned):
            at = MONDAY + timedelta(minutes=i)
            s.add(
                Scan(source_id=source.id, scanned_at=at, consented_at=at if i < consented else None)
            )
        s.commit()


def _registered(seeded: Seeded, name: str, token: str | None, **kwargs: Any) -> int:
    kwargs.setdefault("chat_id", zlib.crc32(name.encode()))
    return register(seeded, firm=firm(name=name), source_token=token, **kwargs).need_id


def _first_lead(seeded: Seeded, need_id: int) -> Lead:
    with seeded.session() as s:
        return leads_of_need(s, need_id)[0]


def _offer_taken_to_credit(seeded: Seeded, need_id: int) -> None:
    """The offered bank accepts, calls and grants credit; a second bank claims the need too."""
    lead = _first_lead(seeded, need_id)
    admin = seeded.bank_admins[lead.bank_code]
    with seeded.session() as s:
        accept(s, lead_id=lead.id, actor=admin, now=MONDAY)
    with seeded.session() as s:
        record_follow_up(s, lead_id=lead.id, actor=admin, kind="contacted", now=MONDAY)
    with seeded.session() as s:
        record_follow_up(
            s, lead_id=lead.id, actor=admin, kind="credit_granted", amount_yuan=10**6, now=MONDAY
        )
    other = next(b for b in YUECHENG_BANKS if b != lead.bank_code)
    with seeded.session() as s:
        claim(s, need_id=need_id, actor=seeded.manager(other), now=MONDAY)


def test_the_funnel_counts_each_stage_per_source_and_each_need_once(seeded: Seeded) -> None:
    park = _make(seeded, "park", "yc-gxq", token="park")
    event = _make(seeded, "event", "周三对接会", token="event")
    idle = _make(seeded, "campaign", "百行进万企", token="idle")
    _scans(seeded, park, scanned=5, consented=3)
    _scans(seeded, event, scanned=2, consented=0)
    granted = _registered(seeded, "绍兴蓝宇新材料有限公司", park)
    _offer_taken_to_credit(seeded, granted)
    with seeded.session() as s:  # two banks hold it: still one need at each stage
        assert sorted(lead.status for lead in leads_of_need(s, granted)) == [
            "accepted",
            "credit_granted",
        ]
    _registered(seeded, "绍兴越州纺织有限公司", park)  # offered, not yet accepted
    _registered(seeded, "绍兴禹陵机械有限公司", park, standards=Standards(good_credit=False))
    offline = _registered(seeded, "绍兴鉴湖酿造有限公司", event, channel=Channel.OFFLINE)
    lead = _first_lead(seeded, offline)
    with seeded.session() as s:
        accept(s, lead_id=lead.id, actor=seeded.bank_admins[lead.bank_code], now=MONDAY)
    _registered(seeded, "绍兴会稽山茶业有限公司", None)  # from no code: counted nowhere
    with seeded.session() as s:
        views = {v.token: v.funnel for v in list_sources(s)}
        ids = {v.token: v.id for v in list_sources(s, with_funnel=False)}
        assert views == {
            park: Funnel(
                scanned=5, consented=3, submitted=3, offered=2, accepted=1, credit_granted=1
            ),
            event: Funnel(scanned=2, consented=0, submitted=1, offered=1, accepted=1),
            idle: Funnel(),
        }
        assert funnel(s) == {ids[token]: counts for token, counts in views.items()}
        assert funnel(s, [ids[event]]) == {ids[event]: views[event]}
        assert funnel(s, []) == {}


def test_a_retired_code_keeps_its_figures(seeded: Seeded) -> None:
    park = _make(seeded, "park", "yc-gxq", token="park")
    _scans(seeded, park, scanned=1, consented=1)
    _registered(seeded, "绍兴蓝宇新材料有限公司", park)
    with seeded.session() as s:
        deactivate_source(s, token=park)
    with seeded.session() as s:
        (view,) = list_sources(s)
    assert view.funnel == Funnel(scanned=1, consented=1, submitted=1, offered=1)
