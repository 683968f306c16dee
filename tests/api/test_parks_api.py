"""A park's roster over HTTP: coordinators of its region and admins replace it with a file."""

from __future__ import annotations

import io

import openpyxl  # type: ignore[import-untyped]

from api.routes.parks import MAX_BYTES
from tests.api.conftest import Api

ROSTER = "/api/v1/parks/kq-fz/roster"
CSV = "企业名称,已有授信（万元）,融资需求\n甲公司,100,\n乙公司,,否\n丙公司,很多,\n"


def test_a_coordinator_imports_a_roster_and_coverage_counts_on_it(api: Api) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    answer = coordinator.post(ROSTER, content=CSV.encode("gb18030"))
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["park"], found["imported"], found["rejected"], found["rows_read"]) == (
        "kq-fz", 2, 1, 3,
    )  # fmt: skip
    assert found["rejections"][0]["line"] == 4 and "很多" in found["rejections"][0]["reason"]
    parks = coordinator.get("/api/v1/reports/coverage").json()["parks"]
    kq = next(p for p in parks if p["code"] == "kq-fz")
    assert (kq["firms"], kq["firms_with_credit"], kq["ratio"]) == (2, 1, 0.5)


def test_an_xlsx_roster_is_taken_too(api: Api) -> None:
    book = openpyxl.Workbook()
    book.active.append(["name", "uscc"])
    book.active.append(["Keqiao Textile Co", None])
    body = io.BytesIO()
    book.save(body)
    answer = api.as_(api.seeded.admin).post(ROSTER, content=body.getvalue())
    assert answer.status_code == 200 and answer.json()["imported"] == 1


def test_who_may_import_and_where(api: Api) -> None:
    manager = api.as_(api.seeded.manager("sxbank")).post(ROSTER, content=CSV.encode())
    assert manager.status_code == 403
    assert api.as_(None).post(ROSTER, content=CSV.encode()).status_code == 401
    elsewhere = api.as_(api.seeded.coordinator).post(
        "/api/v1/parks/nowhere/roster", content=CSV.encode()
    )
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "unknown_park"


def test_bad_files_are_4xx_in_the_json_error_shape(api: Api) -> None:
    coordinator = api.as_(api.seeded.coordinator)
    empty = coordinator.post(ROSTER, content=b"")
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "body"
    no_name = coordinator.post(ROSTER, content=b"a,b\n1,2\n")
    assert no_name.status_code == 400 and no_name.json()["error"]["code"] == "no_name_column"
    assert no_name.json()["error"]["message"].startswith("上传的文件：")  # not a server path
    old_excel = coordinator.post(ROSTER, content=b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert old_excel.status_code == 400 and old_excel.json()["error"]["code"] == "old_excel"
    broken_zip = coordinator.post(ROSTER, content=b"PK\x03\x04garbage")
    assert broken_zip.status_code == 400
    too_large = coordinator.post(ROSTER, content=b"x" * (MAX_BYTES + 1))
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "file_too_large"
    formula = coordinator.post(ROSTER, content="企业名称\n=HYPERLINK(\"x\")\n".encode())
    assert formula.status_code == 200  # stored as text; every workbook writes it as text
