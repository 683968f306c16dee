"""The coordination team's Excel workbooks, ready to forward as they are: `weekly` (the weekly
progress workbook), `ledgers` (per park and quarter 附表1, the classification ledger, and 附表2,
the financing-need and financing-cost summary, of 000 §五), and `xlsx`, the one place cells are
written (styles, number formats, text never a formula). Used by the API, the dashboard and
`yinqi report`; it reads through `db` and writes no personal contact data."""

from api.workbooks.ledgers import ledger_xlsx, needs_summary_xlsx
from api.workbooks.weekly import weekly_xlsx

__all__ = ["ledger_xlsx", "needs_summary_xlsx", "weekly_xlsx"]
