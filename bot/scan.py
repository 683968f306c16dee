"""A loan QR code taken as a conversation's source: what the code tells about the firm (a park's
city, county and park; a branch's city), and making it the one code a registration counts for,
with nothing of an earlier code left beside it."""

from __future__ import annotations

from typing import Any

from bot.turn import Turn
from matching.catalog import Catalog


def implied(source: dict[str, Any] | None, catalog: Catalog) -> dict[str, str]:
    """The answers a code gives for the firm: a park's city, county and park; a branch's city."""
    if source is None:
        return {}
    if source["kind"] == "park":
        park = catalog.park(source["target"])
        if park is not None:
            return {"city": park.city, "county": park.county, "park": park.code}
    elif source["kind"] == "branch":
        branch = next((b for b in catalog.branches if b.code == source["target"]), None)
        if branch is not None:
            return {"city": branch.city}
    return {}


def take(turn: Turn, source: dict[str, Any]) -> None:
    """Make `source` the conversation's code. The answers the old code filled in go with it (an
    answer the firm changed is the firm's own and stays); the scan is counted, as consented when
    the firm agreed to the terms earlier in this chat (the consent screen is not shown again)."""
    for key, value in implied(turn.state.source, turn.world.catalog()).items():
        if turn.draft.get(key) == value:
            del turn.draft[key]
    turn.draft["_source"] = source
    turn.marks.add("scanned")
    if turn.draft.get("_consent"):
        turn.marks.add("consented")


def begin(turn: Turn) -> None:
    """A new registration's draft: consent and code kept, the answers so far offered as
    defaults, and what the code tells filled in."""
    turn.state.set_aside()
    turn.draft.update(implied(turn.state.source, turn.world.catalog()))
