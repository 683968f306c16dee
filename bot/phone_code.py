"""The contact phone confirmed by a code texted to it, before the summary: a typed phone can be
anyone's. Asked only where the world confirms phones (the web chat with SMS on: `World.
confirms_phones`); Telegram's own shared contact is its owner's already, and elsewhere the phone
reaches the bank marked unconfirmed.

The code is texted when the question is first asked for a phone; "重新发送" texts another
(within the limits on sends, db/intake/phone_codes.py), "改号" or a new number typed changes the
phone."""

from __future__ import annotations

import re
from typing import Any, Final

from bot.events import Button, Event, Typed
from bot.flow import Go, Next, StepDef
from bot.reading import fold
from bot.state import Step
from bot.turn import Turn, data, pressed_value, rows, says
from bot.world import Texted
from bot.world import Typed as CodeWas

FLAG: Final = "_confirm_phone"
"""Set with the contact where phones are confirmed: the question applies to this draft."""
CONFIRMED: Final = "_phone_confirmed"
"""The phone proven the firm's (kept for /new: the same phone needs no second code)."""
SENT_TO: Final = "_code_for"
"""The phone a code was texted to when the question was first asked."""
_CODE: Final = re.compile(r"\d{6}")
_MOBILE: Final = re.compile(r"1[3-9]\d{9}")


def took_contact(turn: Turn, phone: str, *, own: bool = False) -> None:
    """A contact phone was given: `own` when Telegram vouches it is the sender's; otherwise it
    is to be confirmed by a code where the world confirms phones."""
    if own:
        turn.draft[CONFIRMED] = phone
    if turn.world.confirms_phones():
        turn.draft[FLAG] = True
    else:
        turn.draft.pop(FLAG, None)


def is_confirmed(draft: dict[str, Any]) -> bool:
    phone = draft.get("phone")
    return phone is not None and draft.get(CONFIRMED) == phone


def _applies(draft: dict[str, Any]) -> bool:
    return bool(draft.get(FLAG)) and "phone" in draft


def pending(draft: dict[str, Any]) -> bool:
    """The draft's phone is still to be confirmed."""
    return _applies(draft) and not is_confirmed(draft)


def masked(phone: str) -> str:
    """138****5678: enough for the firm to know the number, little for a shoulder."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone


def ask_phone_code(turn: Turn) -> None:
    phone = turn.draft["phone"]
    if turn.draft.get(SENT_TO) != phone:
        turn.draft[SENT_TO] = phone
        _text(turn, phone, again=False)
    buttons = [
        Button(turn.t("bot.phonecode.resend"), data(Step.PHONE_CODE, "resend")),
        Button(turn.t("bot.phonecode.change"), data(Step.PHONE_CODE, "change")),
    ]
    turn.ask(turn.t("bot.phonecode.ask", phone=masked(phone)), rows(buttons))


def _text(turn: Turn, phone: str, *, again: bool) -> None:
    """Text a code, saying what became of it unless it simply went (the question says so)."""
    sent = turn.world.text_code(chat_id=turn.chat_id, phone=phone, lang=turn.lang)
    if sent.outcome is Texted.WAIT:
        turn.problem = turn.t("bot.phonecode.wait", minutes=sent.wait_minutes)
    elif sent.outcome is Texted.FAILED:
        turn.problem = turn.t("bot.phonecode.failed")
    elif again:
        turn.problem = turn.t("bot.phonecode.sent_again")


def answer_phone_code(turn: Turn, event: Event) -> Next:
    typed = fold(event.text) if isinstance(event, Typed) else None
    phone = turn.draft["phone"]
    if pressed_value(event, Step.PHONE_CODE, "resend") is not None or (
        typed is not None and typed in says("bot.phonecode.resend")
    ):
        _text(turn, phone, again=True)
        return Go.AGAIN
    if pressed_value(event, Step.PHONE_CODE, "change") is not None or (
        typed is not None and typed in says("bot.phonecode.change")
    ):
        turn.draft.pop("phone", None)  # the contact is given again, name and number together
        return Step.CONTACT
    if not isinstance(event, Typed):
        turn.problem = turn.t("bot.phonecode.how")
        return Go.AGAIN
    digits = re.sub(r"\D", "", event.text)
    other = _MOBILE.fullmatch(digits)
    if other is not None and digits != phone:  # another number typed: it is the one to confirm
        turn.draft["phone"] = digits
        turn.say(turn.t("bot.contact.got", name=turn.draft.get("contact_name", ""), phone=digits))
        return Go.NEXT
    if not _CODE.fullmatch(digits):
        turn.problem = turn.t("bot.phonecode.how")
        return Go.AGAIN
    checked = turn.world.check_code(chat_id=turn.chat_id, phone=phone, code=digits)
    if checked.outcome is CodeWas.RIGHT:
        turn.draft[CONFIRMED] = phone
        turn.say(turn.t("bot.phonecode.right", phone=masked(phone)))
        return Go.NEXT
    if checked.outcome is CodeWas.WRONG:
        turn.problem = turn.t("bot.phonecode.wrong", tries=checked.tries_left)
    else:
        turn.problem = turn.t("bot.phonecode.dead")
    return Go.AGAIN


STEPS = {
    Step.PHONE_CODE: StepDef(
        ask_phone_code, answer_phone_code, is_confirmed, applies=_applies
    ),
}
