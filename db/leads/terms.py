"""A credit's terms on a follow-up (`matching.loan_terms`): checked, logged in the event, and
kept on the lead. Credit granted sets them; a loan issued restates those it names, keeping the
rest; any other step refuses them."""

from __future__ import annotations

from dataclasses import replace

from db.core.errors import InvalidInput
from db.core.vocabulary import FollowUp
from db.models import Assignment
from matching.loan_terms import MAX_FEE_RATE_PCT, MAX_TERM_MONTHS, LoanTerms, LoanType

_CARRY_TERMS = (FollowUp.CREDIT_GRANTED, FollowUp.LOAN_ISSUED)


def checked_terms(step: FollowUp, terms: LoanTerms) -> LoanTerms:
    """The terms, within bounds and agreeing with each other: a guarantee product makes the
    loan a guaranteed one (保证), and one said to be otherwise is refused."""
    if not terms.given:
        return terms
    if step not in _CARRY_TERMS:
        field = next(name for name, value in _fields(terms) if value is not None)
        raise InvalidInput.of("terms_not_for_step", field=field, step=step.value)
    fee, months = terms.fee_rate_pct, terms.term_months
    if fee is not None and not 0 <= fee <= MAX_FEE_RATE_PCT:
        raise InvalidInput.of("bad_fee_rate", field="fee_rate_pct", limit=MAX_FEE_RATE_PCT)
    if months is not None and not 1 <= months <= MAX_TERM_MONTHS:
        raise InvalidInput.of("bad_term", field="term_months", limit=MAX_TERM_MONTHS)
    guarantee = terms.guarantee.strip() if terms.guarantee else None
    if guarantee is not None and len(guarantee) > 100:
        raise InvalidInput.of("too_long", field="guarantee", limit=100)
    loan_type = terms.loan_type
    if guarantee is not None:
        if loan_type not in (None, LoanType.GUARANTEED):
            raise InvalidInput.of("guarantee_not_guaranteed", field="loan_type")
        loan_type = LoanType.GUARANTEED
    return replace(terms, guarantee=guarantee, loan_type=loan_type)


def terms_payload(terms: LoanTerms) -> dict[str, object]:
    """The terms as the event log keeps them (those given; no personal data in any)."""
    return {name: _plain(value) for name, value in _fields(terms) if value is not None}


def put_terms(lead: Assignment, terms: LoanTerms, *, restated: bool) -> None:
    """Keep the terms on the lead: all of them (credit granted, NULL for those not given), or
    only those given (a loan restating some)."""
    for name, value in _fields(terms):
        if value is not None or not restated:
            setattr(lead, name, value.value if isinstance(value, LoanType) else value)


def _fields(terms: LoanTerms) -> list[tuple[str, object]]:
    return [
        ("loan_type", terms.loan_type),
        ("guarantee", terms.guarantee),
        ("fee_rate_pct", terms.fee_rate_pct),
        ("term_months", terms.term_months),
    ]


def _plain(value: object) -> object:
    if isinstance(value, LoanType):
        return value.value
    return value if isinstance(value, int | str) else str(value)
