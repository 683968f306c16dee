"""`yinqi webhooks …`: a bank's webhook endpoints, for the operator: add one (its secret printed
once), list, rotate a secret, enable one disabled after failures, remove one."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from sqlmodel import Session

from api.cli.common import LangOption, fail, open_database
from api.webhooks.config import get_webhook_settings
from api.webhooks.urls import check_url
from db.core.errors import StorageError
from db.core.unit import Actor
from db.webhooks import endpoints
from db.webhooks.events import EventType
from matching.i18n import Lang, t

webhooks_app = typer.Typer(
    help="Banks' webhook endpoints: add (prints the secret once), list, rotate, enable, remove.",
    no_args_is_help=True,
)

EndpointArg = Annotated[int, typer.Argument(help="The endpoint's id (`yinqi webhooks list`).")]


@webhooks_app.command("add")
def add_command(
    bank: Annotated[str, typer.Option("--bank", help="The bank's code, e.g. sxbank.")],
    url: Annotated[str, typer.Option("--url", help="https URL of the bank's receiver.")],
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event", help=f"An event type (repeat; default all): {', '.join(EventType)}."
        ),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="A note.")] = "",
    lang: LangOption = Lang.ZH,
) -> None:
    """Register a bank's endpoint and print its signing secret, this once."""
    chosen = event or [e.value for e in EventType]
    with Session(open_database(lang)) as session:
        try:
            endpoints.check_events(chosen)
            check_url(url, allow_local=get_webhook_settings().webhooks_allow_localhost)
            made = endpoints.add_endpoint(
                session, actor=Actor.system(), url=url.strip(), events=chosen,
                description=description, bank_code=bank,
            )  # fmt: skip
        except StorageError as err:
            raise fail(err.render(lang)) from None
    shown = made.endpoint
    typer.echo(
        t("cli.webhook_added", lang, id=shown.id, bank=shown.bank, url=shown.url,
          events=", ".join(shown.events))
    )  # fmt: skip
    typer.echo(t("cli.webhook_secret", lang, secret=made.secret))


@webhooks_app.command("list")
def list_command(
    bank: Annotated[str, typer.Option("--bank", help="The bank's code.")],
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list of objects.")] = False,
    lang: LangOption = Lang.ZH,
) -> None:
    """List a bank's endpoints (never their secrets)."""
    with Session(open_database(lang)) as session:
        try:
            found = endpoints.list_endpoints(session, actor=Actor.system(), bank_code=bank)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    if as_json:
        rows = [
            {"id": e.id, "url": e.url, "events": list(e.events), "active": e.active,
             "disabled_reason": e.disabled_reason, "failures_in_a_row": e.failures_in_a_row}
            for e in found
        ]  # fmt: skip
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for e in found:
        state = t("cli.webhook_active" if e.active else "cli.webhook_off", lang)
        typer.echo(
            t("cli.webhook_row", lang, id=e.id, state=state, url=e.url, events=",".join(e.events))
        )
    typer.echo(t("cli.webhook_listed", lang, count=len(found)))


@webhooks_app.command("rotate")
def rotate_command(endpoint_id: EndpointArg, lang: LangOption = Lang.ZH) -> None:
    """A new signing secret, printed once; the old one signs beside it for 24 hours."""
    with Session(open_database(lang)) as session:
        try:
            made = endpoints.rotate_secret(session, actor=Actor.system(), endpoint_id=endpoint_id)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    until = made.previous_until.isoformat(timespec="seconds") if made.previous_until else "—"
    typer.echo(t("cli.webhook_rotated", lang, id=endpoint_id, secret=made.secret, until=until))


@webhooks_app.command("enable")
def enable_command(endpoint_id: EndpointArg, lang: LangOption = Lang.ZH) -> None:
    """Take an endpoint disabled after failures back into service."""
    with Session(open_database(lang)) as session:
        try:
            endpoints.enable_endpoint(session, actor=Actor.system(), endpoint_id=endpoint_id)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    typer.echo(t("cli.webhook_enabled", lang, id=endpoint_id))


@webhooks_app.command("remove")
def remove_command(endpoint_id: EndpointArg, lang: LangOption = Lang.ZH) -> None:
    """Remove an endpoint: nothing more is sent to it."""
    with Session(open_database(lang)) as session:
        try:
            endpoints.remove_endpoint(session, actor=Actor.system(), endpoint_id=endpoint_id)
        except StorageError as err:
            raise fail(err.render(lang)) from None
    typer.echo(t("cli.webhook_removed", lang, id=endpoint_id))
