"""The outermost floor: the FastAPI app (`app`, the HTTP API in `routes` with its `schemas`, the
coordinators' `dashboard`, the `workbooks` they download, the Telegram webhook) and the `yinqi`
command (`cli`), with what they stand on in `core`; `worker` runs the timed passes. It may import
`bot`, `db` and `matching`; nothing imports it."""
