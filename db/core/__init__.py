"""What every room of `db` stands on: settings (`config`), the engine and its sessions
(`engine`), the unit of work that commits a use case (`unit`), the refusals it may raise with
their HTTP status (`errors`), the stored codes (`vocabulary`), Alembic (`migrate`) and the
deleting of old rows a batch at a time (`prune`). It imports `db.models` and `matching` only."""
