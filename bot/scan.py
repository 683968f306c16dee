"""A loan QR code as a conversation's source: what the code tells about the firm (a park's city,
county and park; a branch's city)."""

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


def begin(turn: Turn) -> None:
    """A new registration's draft: consent and code kept, the answers so far offered as
    defaults, and what the code tells filled in."""
    turn.state.set_aside()
    turn.draft.update(implied(turn.state.source, turn.world.catalog()))
