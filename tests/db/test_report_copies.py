"""A lead carries its need's city, county, park, QR source, channel and first-loan flag, so the
reports count leads without joining needs: set when the lead is made, and filled in by migration
0004 for the leads made before it."""

from __future__ import annotations

from dataclasses import asdict

from alembic import command
from sqlalchemy import Engine, inspect, text

from db.migrate import alembic_config, current_revision, head_revision, upgrade
from db.reports import GroupBy, ReportScope, progress
from tests.db.builders import Seeded
from tests.db.report_story import AFTER_FORTNIGHT, FORTNIGHT, play

COPIED = ("city", "county", "park_id", "source_id", "channel", "first_loan")
_LEAD_AND_NEED = (
    f"SELECT {', '.join(f'a.{c}' for c in COPIED)}, {', '.join(f'n.{c}' for c in COPIED)} "
    "FROM assignment a JOIN need n ON n.id = a.need_id ORDER BY a.id"
)


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), revision)
        connection.commit()


def _leads_and_needs(engine: Engine) -> list[tuple[tuple[object, ...], tuple[object, ...]]]:
    with engine.connect() as conn:
        rows = conn.execute(text(_LEAD_AND_NEED)).all()
    return [(tuple(r[: len(COPIED)]), tuple(r[len(COPIED) :])) for r in rows]


def _reports(seeded: Seeded) -> list[dict[str, object]]:
    found = []
    with seeded.session() as s:
        for scope in (ReportScope(), ReportScope.for_region("新昌县")):
            for group in GroupBy:
                report = progress(
                    s, scope=scope, date_from=FORTNIGHT[0], date_to=FORTNIGHT[1],
                    group_by=group, now=AFTER_FORTNIGHT,
                )  # fmt: skip
                found.append(asdict(report))
    return found


def test_a_lead_carries_its_needs_copies_from_the_moment_it_is_made(seeded: Seeded) -> None:
    play(seeded)
    pairs = _leads_and_needs(seeded.engine)
    assert len(pairs) == 7 and all(lead == need for lead, need in pairs)
    assert {lead[0] for lead, _ in pairs} == {"绍兴市"}  # the story's leads are all in 绍兴
    assert any(lead[2] is not None for lead, _ in pairs)  # in a park
    assert any(lead[3] is not None for lead, _ in pairs)  # from a QR code


def test_migration_0004_fills_in_the_leads_made_before_it(seeded: Seeded) -> None:
    engine = seeded.engine
    play(seeded)
    before = _reports(seeded)
    _downgrade(engine, "0003")
    try:
        assert current_revision(engine) == "0003"
        columns = {c["name"] for c in inspect(engine).get_columns("assignment")}
        assert not columns & set(COPIED)
    finally:
        upgrade(engine)  # the next tests share the database (a PostgreSQL schema per run)
    assert current_revision(engine) == head_revision()
    pairs = _leads_and_needs(engine)
    assert len(pairs) == 7 and all(lead == need for lead, need in pairs)
    assert _reports(seeded) == before
