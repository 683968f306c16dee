"""Campaign lists of firms (百行进万企, 001 §六): importing a list from CSV or XLSX (`files`,
`lists`) and recognising a registering firm on it. It may import `core`, `models` and
`matching`."""
