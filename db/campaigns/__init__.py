"""Lists of firms imported from files: campaign lists (百行进万企, 001 §六: `lists`) and park
rosters (入园企业名录, 001 §一: `rosters`), read from CSV or XLSX (`files`) and checked row by row
with what both share (`importing`). It may import `core`, `models` and `matching`."""
