"""`yinqi park …`: the parks' own records, starting with their rosters (入园企业名录)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from api.cli.common import LangOption
from api.cli.lists import ErrorsOption, ListFile, run_import
from db.campaigns.importing import ImportReport, Progress
from db.campaigns.rosters import import_roster
from matching.i18n import Lang

park_app = typer.Typer(help="Parks: their rosters of firms (入园企业名录).", no_args_is_help=True)
roster_app = typer.Typer(help="A park's roster: every firm of the park.", no_args_is_help=True)
park_app.add_typer(roster_app, name="roster")


@roster_app.command("import")
def import_command(
    file: ListFile,
    park: Annotated[str, typer.Option("--park", help="The park's code (yinqi catalog show).")],
    lang: LangOption = Lang.ZH,
    errors: ErrorsOption = None,
) -> None:
    """Import a park's roster; importing again replaces the park's roster as a whole.

    Headers in Chinese or English: 企业名称 (name), 统一社会信用代码 (uscc), 主体类型 (type),
    行业 (industry), 已合作银行 (banks), 已有授信（万元） (existing_credit_wan), 联系人 (contact),
    联系电话 (phone), 融资需求 (need: 是/否). Only the name is required; a bad row is rejected
    with its line. The roster is the base of the park's credit coverage and its 分类建档.
    """

    def run(engine: Engine, progress: Progress) -> ImportReport:
        return import_roster(engine, file, park_code=park, progress=progress, lang=lang)

    run_import(file, lang, errors, run, summary="roster.summary")
