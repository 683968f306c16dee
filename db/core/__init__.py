"""What every room of `db` stands on: settings (`config`), the engine and its sessions
(`engine`), the unit of work that commits a use case (`unit`), the refusals it may raise with
their HTTP status (`errors`), the stored codes (`vocabulary`) and Alembic (`migrate`). It imports
`db.models` and `matching` only."""
