"""`yinqi init`, `yinqi catalog load|list`, `yinqi users …`: the database from the command line."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine, func
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from api.cli.common import LangOption, fail, open_database, shown, unreachable
from db.core.engine import make_engine
from db.core.errors import StorageError
from db.core.migrate import current_revision, upgrade
from db.core.vocabulary import Role
from db.intake.catalog_store import LoadReport, load_catalog, save_catalog
from db.models import ApiToken, Bank, Staff
from db.staff.accounts import add_user, revoke_tokens
from db.staff.links import issue_link_code
from matching.catalog_yaml import parse_catalog
from matching.data import sample_catalog
from matching.errors import MatchingError
from matching.i18n import Lang, t
from matching.serialize import catalog_json
from matching.workdays import to_china_time

users_app = typer.Typer(
    help="Staff, their API tokens and Telegram link codes.", no_args_is_help=True
)


class CatalogPart(StrEnum):
    BANKS = "banks"
    PARKS = "parks"
    PRODUCTS = "products"
    GUARANTEES = "guarantees"


def register(app: typer.Typer, catalog_app: typer.Typer) -> None:
    """Add the storage commands to the `yinqi` command and its `catalog` group."""
    app.command("init")(init_command)
    catalog_app.command("load")(catalog_load)
    catalog_app.command("list")(catalog_list)
    app.add_typer(users_app, name="users")


def _report(report: LoadReport, lang: Lang) -> str:
    if not report.changed:
        return t("cli.catalog_unchanged", lang)
    parts = sorted({*report.added, *report.updated})
    counts = [
        t(
            "cli.catalog_counts",
            lang,
            kind=k,
            added=report.added.get(k, 0),
            updated=report.updated.get(k, 0),
        )
        for k in parts
    ]
    return t("cli.catalog_changed", lang, counts="; ".join(counts))


def init_command(lang: LangOption = Lang.ZH) -> None:
    """Create or upgrade the database schema and, in an empty database, load the sample catalog.

    Running it again changes nothing.
    """
    engine = make_engine()
    before = _revision_orfail(engine, lang)
    upgrade(engine)
    after = current_revision(engine)
    key = "cli.schema_current" if before == after else "cli.schema_upgraded"
    typer.echo(t(key, lang, url=shown(engine), revision=after))
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(Bank)).one():
            typer.echo(t("cli.catalog_kept", lang))
            return
        report = save_catalog(session, sample_catalog())
        session.commit()
    typer.echo(t("cli.sample_loaded", lang) + " " + _report(report, lang))


def _revision_orfail(engine: Engine, lang: Lang) -> str | None:
    try:
        return current_revision(engine)
    except OperationalError as err:
        raise unreachable(engine, err, lang) from None


def catalog_load(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    lang: LangOption = Lang.ZH,
) -> None:
    """Upsert a catalog file into the database by code (entries not in the file are kept)."""
    try:
        catalog = parse_catalog(path.read_text(encoding="utf-8"), source=str(path))
    except UnicodeDecodeError:
        raise fail(t("cli.not_utf8", lang, path=path)) from None
    except MatchingError as err:
        raise fail(err.render(lang)) from None
    engine = open_database(lang)
    with Session(engine) as session:
        report = save_catalog(session, catalog)
        session.commit()
    typer.echo(_report(report, lang))


def catalog_list(
    part: Annotated[CatalogPart, typer.Argument(help="What to list.")],
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of objects.")] = False,
    lang: LangOption = Lang.ZH,
) -> None:
    """List the banks, parks, products or guarantee products in the database."""
    with Session(open_database(lang)) as session:
        entries: list[dict[str, Any]] = catalog_json(load_catalog(session))[part.value]
    if as_json:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    for entry in entries:
        typer.echo(f"{entry['code']:<24} {entry['name']}")
    typer.echo(t("cli.listed", lang, count=len(entries)))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Option("--name", help="The person's name.")],
    role: Annotated[Role, typer.Option("--role", help="manager, bank_admin, coordinator, admin.")],
    bank: Annotated[
        str | None, typer.Option("--bank", help="Bank code (managers and bank admins).")
    ] = None,
    branch: Annotated[
        str | None, typer.Option("--branch", help="Branch code of a manager.")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="A coordinator's city or county.")
    ] = None,
    phone: Annotated[
        str | None,
        typer.Option("--phone", help="A manager's work phone, shown to firms they accept."),
    ] = None,
    lang: LangOption = Lang.ZH,
) -> None:
    """Add a staff member and print their new API token, once (only its hash is kept)."""
    with Session(open_database(lang)) as session:
        try:
            user = add_user(
                session, name=name, role=role, bank_code=bank, branch_code=branch,
                region=region, work_phone=phone,
            )  # fmt: skip
        except StorageError as err:
            raise fail(err.render(lang)) from None
    typer.echo(t("cli.user_added", lang, id=user.staff_id, name=user.name, role=user.role.value))
    typer.echo(user.token)
    typer.echo(t("cli.token_once", lang), err=True)


@users_app.command("list")
def users_list(lang: LangOption = Lang.ZH) -> None:
    """List staff: id, role, bank, whether active, live tokens."""
    live_tokens = (
        select(func.count())
        .where(ApiToken.staff_id == Staff.id, col(ApiToken.revoked_at).is_(None))
        .scalar_subquery()
    )
    with Session(open_database(lang)) as session:
        rows = session.exec(
            select(Staff, Bank.code, live_tokens)
            .outerjoin(Bank, col(Bank.id) == col(Staff.bank_id))
            .order_by(col(Staff.id))
        ).all()
    for staff, bank_code, tokens in rows:
        active = "" if staff.active else t("cli.inactive", lang)
        typer.echo(
            f"{staff.id:>5}  {staff.role:<12} {bank_code or '-':<10} {staff.name} "
            f"{t('cli.tokens', lang, count=tokens)} {active}".rstrip()
        )


@users_app.command("revoke")
def users_revoke(
    staff_id: Annotated[int, typer.Argument(help="The staff member's id (see `users list`).")],
    lang: LangOption = Lang.ZH,
) -> None:
    """Revoke every API token of a staff member."""
    with Session(open_database(lang)) as session:
        try:
            count = revoke_tokens(session, staff_id=staff_id)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    typer.echo(t("cli.revoked", lang, count=count, id=staff_id))


@users_app.command("link-code")
def users_link_code(
    staff_id: Annotated[int, typer.Argument(help="The staff member's id (see `users list`).")],
    lang: LangOption = Lang.ZH,
) -> None:
    """Print a one-time code (valid 24 hours) that links a staff member's Telegram account:
    they send `/link CODE` to the bot, and new leads reach them there with Accept / Decline."""
    with Session(open_database(lang)) as session:
        try:
            issued = issue_link_code(session, staff_id=staff_id)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    expires = f"{to_china_time(issued.expires_at):%Y-%m-%d %H:%M}"
    typer.echo(t("cli.link_code", lang, name=issued.name, id=issued.staff_id, expires=expires))
    typer.echo(issued.code)
    typer.echo(t("cli.link_code_how", lang, code=issued.code), err=True)
