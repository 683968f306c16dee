"""What the coordination team reads: the scope a viewer may count (`scope`), progress per
bank, park, county, source or week (`progress`, `figures`, `lead_rows`, `medians`, `sql`), kept
fast by copies and day sums (`copies`, `day_sums`), the key-problem list (`problems`), park
coverage (`coverage`), the quarterly ledgers (`ledgers`, `needs_summary`) and the dashboard's
queries (`dashboard`). Read-only except the copies' refresh. It may import `core`, `models`,
`leads` (read models and clocks), `intake` (QR funnels) and `matching`."""
