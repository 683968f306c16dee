"""Webhooks sent to banks (Standard Webhooks, standardwebhooks.com): the settings (`config`),
the signature (`signing`), the address checks that keep a URL off private networks, at
registration and again after each resolution (`urls`), the payload — the lead as the bank's
`GET /api/v1/leads/{id}` shows it when sent (`payloads`) — and the sender the worker runs
(`sender`, over httpx). The bookkeeping is storage's (db/webhooks/)."""
