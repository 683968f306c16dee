"""A park's roster (入园企业名录) over HTTP, for coordinators (their region's parks) and admins:
the park's file of firms, CSV or XLSX, as the request body; it replaces the park's roster."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from api.core.deps import CallerDep, EngineDep, LangDep, known_query
from api.routes import PREFIX, errors
from api.routes.reports import scope_of
from api.schemas.parks import RosterImportOut
from db.campaigns.files import ListFileError
from db.campaigns.rosters import import_roster
from db.core.engine import reading
from db.core.errors import InvalidInput, StorageError
from db.reports.scope import narrowed
from matching.i18n import t

router = APIRouter(prefix=PREFIX, tags=["parks"], dependencies=[Depends(known_query)])

MAX_BYTES: Final = 32 * 1024 * 1024
"""A roster file's largest size: 100,000 firms with every column fit in well under 32 MB."""

ParkCode = Annotated[
    str, Path(min_length=1, max_length=40, description="the park's code", examples=["kq-fz"])
]


class TooLarge(StorageError):
    status = 413


@router.post(
    "/parks/{code}/roster",
    response_model=RosterImportOut,
    responses=errors(400, 401, 403, 404, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The roster as CSV (UTF-8 or GB18030) or XLSX, with a header row: "
            "企业名称 (name), 统一社会信用代码 (uscc), 主体类型 (type), 行业 (industry), "
            "已合作银行 (banks), 已有授信（万元） (existing_credit_wan), 联系人 (contact), "
            "联系电话 (phone), 融资需求 (need: 是/否). Only the name is required.",
            "content": {
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    },
)
async def import_park_roster(
    code: ParkCode, request: Request, caller: CallerDep, engine: EngineDep, lang: LangDep
) -> RosterImportOut:
    """Replace the park's roster with the file's firms; bad rows are named by line, none is
    dropped silently. The roster is the base of the park's credit coverage and 分类建档."""
    scope = scope_of(caller, None)
    with reading(engine) as session:
        narrowed(session, scope, park=code)  # 404 for a park outside the caller's region
    with tempfile.TemporaryDirectory(prefix="yinqi-roster-") as folder:
        path = FilePath(folder) / "roster"
        await _save_body(request, path)
        try:
            report = await run_in_threadpool(import_roster, engine, path, park_code=code, lang=lang)
        except ListFileError as err:
            raise err.naming(t("roster.uploaded_file", lang)) from None
    return RosterImportOut.of(report)


async def _save_body(request: Request, path: FilePath) -> None:
    """The request body into `path`, refused beyond `MAX_BYTES` before it is all read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise TooLarge.of("file_too_large", most=MAX_BYTES // (1024 * 1024))
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BYTES:
                raise TooLarge.of("file_too_large", most=MAX_BYTES // (1024 * 1024))
            out.write(chunk)
    if size == 0:
        raise InvalidInput.of("empty_file", field="body")
