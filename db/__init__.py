"""Storage and the use cases — the only code that commits — in rooms by concern: `core`
(settings, engine, unit of work, errors, vocabulary, migrations), `models` (the tables),
`intake` (a firm registering: the catalog, QR codes, conversations, registration, withdrawal),
`leads` (the 3/2 guard, the lead's life, deadlines, the outbox, read models), `reports`
(progress, problems, coverage, ledgers, the dashboard's queries), `staff` (accounts, links,
dashboard sessions), `campaigns` (campaign lists) and `demo` (a generated season). `db` imports
only `matching` and libraries; never `fastapi` or `telegram`."""
