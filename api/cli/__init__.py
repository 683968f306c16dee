"""The `yinqi` command, one module per command group: `main` (the root: `match`, `catalog`, and
the groups put together), `storage` (init, upgrade, users, catalog loading), `lists` (campaign
lists), `qr` (loan QR codes), `report` (the workbooks), `bot` (the bot, its links, `serve`,
`worker`), `demo`; `common` holds what they share. It may import everything below it."""

from api.cli.main import app, main

__all__ = ["app", "main"]
