"""Running `yinqi` in-process and counting rows, for the command's tests."""

from __future__ import annotations

from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


def yinqi(*args: str) -> tuple[int, str]:
    """The command's exit code and output."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())
