"""A lead's life: the mechanics every use case shares under the 3/2 limit (`mechanics`,
`bank_limit`), which status follows which (`transitions`), the banks' use cases (`assignments`),
the "135" clocks and what is overdue (`clocks`, `overdue`, `expiry`, `sweeps`), notices to send
(`outbox`, `cards`) and what callers read (`queries`, `views`). It may import `core`, `models`,
`intake.catalog_store` and `matching`."""
