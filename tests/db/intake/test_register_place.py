"""A firm that came by a park's loan QR code is counted in that park only when it lies there; the
code's funnel counts it either way (a firm from another county scanning at a park's event)."""

from __future__ import annotations

from sqlmodel import Session, select

from db.intake.qr_sources import create_source
from db.models import Enterprise, Need, Park
from tests.db.builders import Seeded, firm, register


def _stored(seeded: Seeded) -> tuple[str | None, int | None]:
    with Session(seeded.engine) as s:
        park_id = s.exec(select(Enterprise.park_id)).one()
        park = s.get(Park, park_id) if park_id is not None else None
        return (park.code if park else None), s.exec(select(Need.source_id)).one()


def test_a_parks_code_gives_its_park_to_a_firm_there(seeded: Seeded) -> None:
    with seeded.session() as s:
        code = create_source(s, kind="park", target="yc-gxq", label="越城", token="yc-code")
    register(seeded, firm=firm(county="越城区"), source_token="yc-code")
    assert _stored(seeded) == ("yc-gxq", code.id)


def test_a_firm_elsewhere_that_scanned_a_parks_code_is_not_counted_in_the_park(
    seeded: Seeded,
) -> None:
    with seeded.session() as s:
        code = create_source(s, kind="park", target="yc-gxq", label="越城", token="yc-code")
    registration = register(seeded, firm=firm(county="新昌县"), source_token="yc-code")
    assert _stored(seeded) == (None, code.id)
    assert registration.result is not None
    assert not any(n.key == "note.park_elsewhere" for n in registration.result.notes)
