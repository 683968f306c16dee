"""A firm's way in: the catalog a need is matched against (`catalog_store`), loan QR codes
and their funnels (`qr_sources`, `qr_tokens`), the chat's saved conversations (`conversations`),
registering a need (`register`) and withdrawing consent (`withdrawal`). It may import `core`,
`models`, `leads` (a registration makes the first offers) and `matching`."""
