"""Which status an assignment may move to from which, as the lead's life runs (pure rules)."""

from __future__ import annotations

from types import MappingProxyType

from db.core.errors import IllegalTransition
from db.core.vocabulary import AssignmentStatus as S

# offered → accepted → contacted → visited → credit_granted → loan_issued. A visit may follow
# acceptance directly (the manager went round without calling first) and may be repeated; credit
# may follow contact or a visit. Until the loan is issued a bank may decline and the firm may
# withdraw; only an offer nobody accepted expires.
ALLOWED: MappingProxyType[S, frozenset[S]] = MappingProxyType(
    {
        S.OFFERED: frozenset({S.ACCEPTED, S.DECLINED, S.EXPIRED, S.WITHDRAWN}),
        S.ACCEPTED: frozenset({S.CONTACTED, S.VISITED, S.DECLINED, S.WITHDRAWN}),
        S.CONTACTED: frozenset({S.VISITED, S.CREDIT_GRANTED, S.DECLINED, S.WITHDRAWN}),
        S.VISITED: frozenset({S.VISITED, S.CREDIT_GRANTED, S.DECLINED, S.WITHDRAWN}),
        S.CREDIT_GRANTED: frozenset({S.LOAN_ISSUED, S.DECLINED, S.WITHDRAWN}),
        S.LOAN_ISSUED: frozenset(),
        S.DECLINED: frozenset(),
        S.EXPIRED: frozenset(),
        S.WITHDRAWN: frozenset(),
    }
)


def check_transition(current: S, target: S) -> None:
    """Refuse a step the lead's status does not allow, saying what would be allowed."""
    if target not in ALLOWED[current]:
        allowed = sorted(ALLOWED[current])
        raise IllegalTransition.of(
            "illegal_transition",
            current=current.value,
            target=target.value,
            allowed=", ".join(allowed) if allowed else "—",
        )
