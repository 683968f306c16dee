"""Alembic's environment: migrations run on the connection `db.core.migrate` hands over."""

from __future__ import annotations

from alembic import context

from db.models import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations with `yinqi init` (db.core.migrate.upgrade), not alembic's CLI"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
