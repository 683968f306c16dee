"""The people behind the API and the dashboard: staff and their tokens (`accounts`), a
manager's Telegram link (`links`), dashboard sign-in sessions (`sessions`) and the answers kept
for their API requests' idempotency keys (`idempotency`). It may import `core`, `models` and
`matching`."""
