"""`held_products`: the loan products a firm holds through its earlier needs, so that one of a
mutually exclusive pair (慧谷创业贷 / 科技贷, 004) keeps the other away from its later needs."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from db.core.vocabulary import LIVE
from db.models import Assignment, Candidate, Enterprise, Need


def held_products(session: Session, enterprise: Enterprise) -> frozenset[str]:
    """Products on the firm's live leads (offered to loan issued): the product credit was
    granted under when a bank recorded one, else the products the lead was matched for. The
    firm is its row, and rows of the same name core in the same county whose USCC does not say
    they are another firm (as `register_need` counts banks on earlier needs)."""
    same_firm: ColumnElement[bool] = col(Enterprise.id) == enterprise.id
    if enterprise.name_key:
        uscc_agrees: ColumnElement[bool] = col(Enterprise.uscc).is_(None)
        if enterprise.uscc:
            uscc_agrees = or_(uscc_agrees, col(Enterprise.uscc) == enterprise.uscc)
        same_name = and_(
            col(Enterprise.name_key) == enterprise.name_key,
            col(Enterprise.county) == enterprise.county,
            uscc_agrees,
        )
        same_firm = or_(same_firm, same_name)
    query = (
        select(Assignment.credit_product, Candidate.products)
        .join(Need, col(Need.id) == col(Assignment.need_id))
        .join(Enterprise, col(Enterprise.id) == col(Need.enterprise_id))
        .outerjoin(
            Candidate,
            and_(
                col(Candidate.need_id) == col(Assignment.need_id),
                col(Candidate.bank_id) == col(Assignment.bank_id),
            ),
        )
        .where(same_firm, col(Assignment.status).in_(LIVE))
    )
    held: set[str] = set()
    for credit_product, products in session.exec(query).all():
        held.update([credit_product] if credit_product else products or ())
    return frozenset(held)
