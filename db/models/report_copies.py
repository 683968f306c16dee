"""The report's copies (`db/reports/copies.py`): each lead, need and visit as the progress report
counts it (China days as day numbers, hours to accept and to contact, whether each deadline was
missed), narrow enough to read a whole season quickly. They are kept up to date lazily, at
report time, from the event log; `report_copy_mark` says how far they have been brought."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from db.models.base import UtcDateTime, metadata
from db.reports.sql import monday_of


def _day(name: str) -> Column[int]:
    """A China day as a day number (days since 1970-01-01)."""
    return Column(name, Integer, nullable=True)


report_lead = Table(
    "report_lead",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # the assignment's
    Column("bank_id", Integer, nullable=False),
    Column("park_id", Integer, nullable=True),
    Column("source_id", Integer, nullable=True),
    Column("city", String(40), nullable=True),
    Column("county", String(40), nullable=True),
    Column("online", Boolean, nullable=True),  # the firm registered itself: bot or web chat
    Column("channel", String(20), nullable=True),  # bot, web, offline
    Column("first_loan", Boolean, nullable=True),
    Column("kept", Boolean, nullable=False),  # its need not superseded
    _day("created_day"),
    _day("accepted_day"),
    _day("contacted_day"),  # a call, or a visit without one
    _day("credit_day"),
    _day("loan_day"),
    _day("accept_by_day"),
    _day("contact_by_day"),
    _day("decide_by_day"),
    _day("final_by_day"),  # the last deadline (`matching.leads`)
    # the step not done by its deadline while the lead still ran (as the row stands now)
    Column("missed_accept", Boolean, nullable=False),
    Column("missed_contact", Boolean, nullable=False),
    Column("missed_decide", Boolean, nullable=False),
    Column("missed_final", Boolean, nullable=False),
    Column("credit_amount_yuan", BigInteger, nullable=True),
    Column("loan_amount_yuan", BigInteger, nullable=True),
    Column("hours_to_accept", Float, nullable=True),  # offers only: claims left out
    Column("hours_to_contact", Float, nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),  # which leads a period touches
    Index(None, "updated_at"),  # with final_by_day: the leads a short period may touch
    Index(None, "final_by_day"),
    Index(None, "city"),  # a coordinator's region: a city or a county
    Index(None, "county"),
)

# The medians of a whole season's leads (`db/reports/medians.py`): each group's hours in order,
# so that its middle value is read without sorting (a group key, the hours, and what the
# report filters by: the day the hours are placed by, and the lead).
MEDIAN_KEYS = ("bank_id", "park_id", "county", "source_id", "week", None)
MEDIAN_HOURS = {"hours_to_accept": "accepted_day", "hours_to_contact": "contacted_day"}


def _median_indexes() -> None:
    c = report_lead.c
    for hours, day in MEDIAN_HOURS.items():
        for key in MEDIAN_KEYS:
            keyed = [] if key is None else [monday_of(c[day]) if key == "week" else c[key]]
            name = f"ix_report_lead_{hours}_{key or 'all'}"
            timed = c[hours].is_not(None)
            Index(name, *keyed, c[hours], c[day], c.id, postgresql_where=timed, sqlite_where=timed)


_median_indexes()

report_need = Table(
    "report_need",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # the need's
    _day("created_day"),
    Column("park_id", Integer, nullable=True),
    Column("source_id", Integer, nullable=True),
    Column("city", String(40), nullable=True),
    Column("county", String(40), nullable=True),
    Column("online", Boolean, nullable=True),
    Column("channel", String(20), nullable=True),
    Column("first_loan", Boolean, nullable=True),
    Column("kept", Boolean, nullable=False),  # not superseded
    Index(None, "created_day"),
    Index(None, "city"),
    Index(None, "county"),
)

report_visit = Table(
    "report_visit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # the event's
    _day("day"),  # when it was recorded
    Column("effective", Boolean, nullable=True),
    Column("bank_id", Integer, nullable=False),
    Column("park_id", Integer, nullable=True),
    Column("source_id", Integer, nullable=True),
    Column("city", String(40), nullable=True),
    Column("county", String(40), nullable=True),
    Column("channel", String(20), nullable=True),
    Index(None, "day"),
    Index(None, "city"),
    Index(None, "county"),
)

# Each day's sums of the counted figures, per bank, park, county and QR source (`dim`, `key`: the
# id or the county, "" for none), as the copies count them (`db/reports/day_sums.py`): a season's
# report for everyone reads these instead of every lead.
DAY_SUMS = (
    "needs",  # by bank: the needs each bank received a lead for; else the needs registered
    "online_needs",
    "first_loan_needs",
    "offered",
    "accepted",
    "contacted",
    "credit_granted",
    "credit_amount_yuan",
    "first_loan_credit",
    "loans_issued",
    "loan_amount_yuan",
    "overdue_accept",  # missed deadlines, by the deadline's day
    "overdue_contact",
    "overdue_decide",
    "overdue_final",
    "visits",
    "effective_visits",
    "hours_to_accept_n",  # how many leads have hours to accept on the day: the medians' counts
    "hours_to_contact_n",
)

report_day = Table(
    "report_day",
    metadata,
    Column("dim", String(8), nullable=False),
    Column("key", String(40), nullable=False),
    Column("day", Integer, nullable=False),
    *(Column(name, BigInteger, nullable=False) for name in DAY_SUMS),
    PrimaryKeyConstraint("dim", "key", "day"),
)

report_copy_mark = Table(
    "report_copy_mark",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: one row
    # the copies hold every lead, need and visit up to these ids, as they stood after them
    Column("event_id", BigInteger, nullable=False),
    Column("assignment_id", BigInteger, nullable=False),
    Column("need_id", BigInteger, nullable=False),
)
