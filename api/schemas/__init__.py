"""The API's contract, one module per resource: what bank systems and coordinators send and get
back (`/openapi.json`). `common` (times, the body base, errors, references), `leads`, `pool`,
`needs`, `qr` and `reports`. Request bodies forbid unknown fields, so nothing a client may not
set (status, bank, limits) can slip in through a body; responses are read, attribute by
attribute, from `db`'s read models (`ViewOut`) and carry no personal contact data except a
lead's `contact` once accepted. It may import `bot` (a QR code's link), `db` and `matching`."""
