"""The coordination team's Excel workbooks, ready to forward as they are: `weekly` (the weekly or
monthly progress workbook), `ledgers` (per quarter 附表1, a park's classification ledger, 附表2,
the financing-need and financing-cost summary, and 附表3, its roll-up park by park, of 000 §五),
`monitoring` (附表4, each bank's service to the parks), `partners` (附表5, each park's partner
banks), `annexes` (the five in one table, which the API, the CLI and the dashboard are made
from), and `xlsx`, the one place cells are written
(styles, number formats, text never a formula, print set-up). Used by the API, the dashboard and
`yinqi report`; it reads through `db` and writes no personal contact data."""

from api.workbooks.ledgers import city_summary_xlsx, ledger_xlsx, needs_summary_xlsx
from api.workbooks.monitoring import monitoring_xlsx
from api.workbooks.partners import partner_banks_xlsx
from api.workbooks.weekly import narrowed_focus, weekly_xlsx

__all__ = [
    "city_summary_xlsx",
    "ledger_xlsx",
    "monitoring_xlsx",
    "narrowed_focus",
    "needs_summary_xlsx",
    "partner_banks_xlsx",
    "weekly_xlsx",
]
