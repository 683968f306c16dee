"""What the parks' routes answer: the outcome of a roster import."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from db.campaigns.importing import ImportReport

SHOWN_REJECTIONS = 1000
"""Rejected rows listed in an answer; `rejected` counts them all."""


class RejectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line: int
    reason: str
    name: str
    uscc: str


class RosterImportOut(BaseModel):
    park: str
    rows_read: int
    imported: int
    blank: int
    rejected: int
    rejections: list[RejectionOut]  # the first SHOWN_REJECTIONS, by line

    @classmethod
    def of(cls, report: ImportReport) -> RosterImportOut:
        return cls(
            park=report.list_code,
            rows_read=report.rows_read,
            imported=report.imported,
            blank=report.blank,
            rejected=len(report.rejected),
            rejections=[RejectionOut.model_validate(r) for r in report.rejected[:SHOWN_REJECTIONS]],
        )
