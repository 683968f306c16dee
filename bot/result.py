"""What the firm is told after submitting, and by /status: banks, guarantees, the promise."""

from __future__ import annotations

from datetime import datetime

from bot.turn import Turn
from matching.i18n import Lang, Text, Yuan, t
from matching.leads import RUNNING, AssignmentStatus, Clock
from matching.model import MatchResult, Route
from matching.registration import Lead, NeedProgress, Registration
from matching.workdays import to_china_time


def when(moment: datetime) -> str:
    return f"{to_china_time(moment):%m-%d %H:%M}"


def counted(noun: str, count: int) -> Text:
    """A count with its noun ("1 bank", "2 banks"; `bot.count.<noun>[s]`), in any language."""
    return Text.of(f"bot.count.{noun}{'' if count == 1 else 's'}", count=count)


def registered(turn: Turn, registration: Registration) -> None:
    """Tell the firm, in plain words, who will contact it and why, and what happens next."""
    if registration.duplicate or registration.result is None:
        turn.say(turn.t("bot.result.duplicate", need_id=registration.need_id))
        show_progress(turn, [p for p in turn.world.progress(turn.chat_id)
                             if p.need_id == registration.need_id])
        return
    result, offers = registration.result, registration.offers
    parts = [turn.t("bot.result.received", need_id=registration.need_id)]
    if offers:
        parts.append(_offers(turn, result, offers))
    else:
        parts.append(_no_offer(turn, result))
    if result.bank_limit is not None and result.route is not Route.CREDIT_REPAIR:
        entity = Text.of(f"entity.{turn.draft.get('entity', 'enterprise')}")
        parts.append(turn.t("bot.result.limit", limit=result.bank_limit, entity=entity,
                            serving=result.banks_serving))
    if result.guarantees:
        parts.append("\n".join([turn.t("bot.result.guarantees")] + [
            turn.t("bot.result.guarantee", name=g.name, guarantor=g.guarantor,
                   fee=g.fee_rate_pct) for g in result.guarantees
        ]))
    parts.append(turn.t("bot.result.after"))
    turn.say("\n\n".join(parts))


def _offers(turn: Turn, result: MatchResult, offers: tuple[Lead, ...]) -> str:
    choices = {b.bank_code: b for b in result.banks}
    key = "bot.result.existing" if result.route is Route.EXISTING_BANKS_ONLY else "bot.result.banks"
    lines = [turn.t(key, banks=counted("bank", len(offers)))]
    for number, offer in enumerate(offers, 1):
        choice = choices.get(offer.bank_code)
        branch = f"（{choice.branch}）" if choice and choice.branch else ""
        lines.append(f"{number}. {offer.bank}{branch}")
        for reason in (choice.reasons[:2] if choice else ()):
            lines.append(f"   · {reason.render(turn.lang)}")
    first = offers[0]
    lines.append("")
    lines.append(turn.t("bot.result.promise", accept=when(first.accept_by),
                        contact=when(first.contact_by), final=when(first.final_by)))
    return "\n".join(lines)


def _no_offer(turn: Turn, result: MatchResult) -> str:
    lines = [turn.t(f"bot.result.route.{result.route.value}")]
    lines += [f"· {b.reason.render(turn.lang)}" for b in result.blocked]
    lines.append(turn.t("bot.result.next"))
    return "\n".join(lines)


def show_progress(turn: Turn, needs: list[NeedProgress] | tuple[NeedProgress, ...]) -> None:
    """/status: each need of this chat, and where each bank is with it."""
    if not needs:
        turn.say(turn.t("bot.status.none"))
        return
    blocks = []
    for need in needs:
        lines = [turn.t("bot.status.need", need_id=need.need_id, amount=Yuan(need.amount_yuan),
                        purpose=turn.t(f"purpose.{need.purpose}"),
                        date=f"{to_china_time(need.created_at):%Y-%m-%d}",
                        status=turn.t(f"bot.need_status.{need.status}"))]
        lines += [f"  · {lead.bank}：{lead_now(lead, turn.lang)}" for lead in need.leads]
        if not need.leads:
            lines.append("  · " + turn.t(f"bot.result.route.{need.route}"))
        blocks.append("\n".join(lines))
    turn.say("\n\n".join(blocks))


def lead_now(lead: Lead, lang: Lang) -> str:
    """Where a bank is with the firm's need, with the deadline the firm may hold it to: to
    accept, to call, and (while 002's month runs: `matching.leads.RUNNING`) to decide."""
    status = lead.status
    if status is AssignmentStatus.OFFERED:
        now = t("bot.lead.offered", lang, by=when(lead.accept_by))
    elif status is AssignmentStatus.ACCEPTED:
        now = t("bot.lead.accepted", lang, by=when(lead.contact_by))
    else:
        now = t(f"bot.lead.{status.value}", lang)
    if Clock.FINAL in RUNNING[status]:
        return t("bot.lead.final", lang, now=now, final=when(lead.final_by))
    return now
