"""The people behind the API and the dashboard: staff and their tokens (`accounts`), a
manager's Telegram link (`links`) and dashboard sign-in sessions (`sessions`). It may import
`core`, `models` and `matching`."""
