"""Webhooks: banks are told of their leads' events instead of polling. The event types and how
an event is queued for a bank's endpoints in the transaction of the change (`events`), the
endpoints bank admins register, rotate and remove (`endpoints`), the deliveries' bookkeeping
— claims under a lease, retries with backoff, attempts, replays, disabling (`deliveries`) — and
their backlog and retention (`upkeep`). The sending (HTTP, signatures, address checks) is the
API's (api/webhooks/). It may import `core`, `models`, `leads` (the notice telling a bank its
endpoint was disabled, the outbox's backlog shape) and `matching`."""
