"""The conversation a firm has with Yinqi: the engine (`engine`, its steps in `steps_firm`,
`steps_need`, `summary`, the `state` it keeps) and the thin adapters that carry it over a channel
(`telegram_app`, `terminal`), the notices sent to firms and staff (`notify`, `staff`) and the loan
QR codes (`qr`). The engine reaches storage only through `world.World`; `bot` may import `db` and
`matching`, never `api`."""
