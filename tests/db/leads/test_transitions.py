"""A lead's life: offered → accepted → contacted → visited → credit granted → loan issued."""

from __future__ import annotations

import itertools

import pytest

from db.core.errors import IllegalTransition
from db.core.vocabulary import AssignmentStatus as S
from db.leads.transitions import ALLOWED, check_transition


def test_every_status_has_its_allowed_next_steps() -> None:
    assert set(ALLOWED) == set(S)


def test_the_happy_path_is_allowed_step_by_step() -> None:
    path = [S.OFFERED, S.ACCEPTED, S.CONTACTED, S.VISITED, S.CREDIT_GRANTED, S.LOAN_ISSUED]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)


def test_a_visit_before_accepting_is_refused_with_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_transition(S.OFFERED, S.VISITED)
    assert refused.value.code == "illegal_transition"
    assert "accepted, declined, expired, withdrawn" in refused.value.render("en")


@pytest.mark.parametrize("ended", [S.DECLINED, S.EXPIRED, S.WITHDRAWN, S.LOAN_ISSUED])
def test_an_ended_lead_moves_no_more(ended: S) -> None:
    for target in S:
        with pytest.raises(IllegalTransition):
            check_transition(ended, target)


def test_only_an_offer_nobody_accepted_can_expire() -> None:
    assert [s for s in S if S.EXPIRED in ALLOWED[s]] == [S.OFFERED]


def test_a_loan_issued_cannot_be_declined_afterwards() -> None:
    with pytest.raises(IllegalTransition):
        check_transition(S.LOAN_ISSUED, S.DECLINED)


def test_credit_is_granted_only_after_the_firm_was_contacted_or_visited() -> None:
    assert [s for s in S if S.CREDIT_GRANTED in ALLOWED[s]] == [S.CONTACTED, S.VISITED]
