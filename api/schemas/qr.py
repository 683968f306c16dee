"""Loan QR codes (贷款码): what an admin sends to make one, and a code with its funnel."""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from api.schemas.common import BodyIn, ChinaTime, ViewOut
from bot.qr import code_link
from db.core.vocabulary import QrKind
from db.intake.qr_sources import Funnel

# --- loan QR codes ---


class QrIn(BodyIn):
    kind: QrKind = Field(examples=["park"])
    target: str = Field(
        min_length=1,
        max_length=100,
        examples=["xc-hitech"],
        description="a park or branch code, a manager's staff id, a campaign or event name",
    )
    label: str = Field(min_length=1, max_length=200, examples=["新昌高新园 贷款码"])
    token: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="the token to use (default: a new random one)",
    )


class FunnelOut(ViewOut):
    """How far the firms of one code got: scanned → consented → submitted → offered →
    accepted → credit granted."""

    scanned: int
    consented: int
    submitted: int
    offered: int
    accepted: int
    credit_granted: int


class QrOut(ViewOut):
    token: str
    kind: QrKind
    target: str
    label: str
    active: bool
    link: str = Field(
        validation_alias="token", examples=["https://yinqi.example.cn/q/pk-xc-hitech-7Hq2"]
    )
    created_at: ChinaTime
    funnel: FunnelOut

    @field_validator("link", mode="before")
    @classmethod
    def _link(cls, token: str, info: ValidationInfo) -> str:
        """The code's link: the web chat under the context's `public_url` when set, else the
        Telegram link to the bot the context names (`bot_username`)."""
        context: dict[str, str | None] = info.context or {}
        bot = context.get("bot_username") or ""
        return code_link(token, public_url=context.get("public_url"), bot_username=bot)

    @field_validator("funnel", mode="before")
    @classmethod
    def _counted(cls, funnel: Funnel | None) -> Funnel:
        """A code listed without its funnel counts nothing yet."""
        return funnel or Funnel()


class QrListOut(ViewOut):
    items: list[QrOut]
