"""Benchmark: `yinqi list import` of a 百行进万企-sized list, or `yinqi park roster import` of a
roster (`--kind roster`), against a raw executemany.

    python bench/import.py [--kind list|roster] [--rows 630000] [--database sqlite|postgresql]
                           [--runs 1] [--seed N]

A roster has the roster's columns (type, industry, banks, existing credit in 万元, contact,
phone, the survey's need) besides name and USCC, and goes into one park of the sample catalog.

Generates the list as a UTF-8 CSV in a temporary directory: company names as on a Zhejiang
campaign list, valid USCCs with about 0.5% bad ones and some left blank, a few rows without a
name, Zhejiang cities and counties written the ways lists write them, 是/否 flags. Then, per run:
(a) `yinqi list import FILE` through typer's CliRunner — the whole command: engine, table check,
progress bar, summary — into a fresh migrated database, timed from outside; (b) the rows (a)
stored, read back (already parsed), inserted into the same table of another fresh database by one
DB-API executemany in one transaction. PostgreSQL (YINQI_TEST_DATABASE_URL, or the local test
server) gets a schema of its own per database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, make_url, text
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli import app
from bench.company_names import BRAND_CHARS, INDUSTRIES
from db.campaigns.lists import COLUMNS as LIST_COLUMNS
from db.campaigns.rosters import COLUMNS as ROSTER_COLUMNS
from db.core.config import get_settings
from db.core.engine import make_engine
from db.core.migrate import upgrade
from db.intake.catalog_store import save_catalog
from matching.data import sample_catalog
from matching.regions import ZHEJIANG_CITIES, short_form
from matching.uscc import CHARSET, uscc_check_char

KINDS = {  # what is imported: its table, its columns, the command's words
    "list": ("campaign_entry", tuple(n for n, _ in LIST_COLUMNS), ["list", "import"]),
    "roster": ("roster_firm", tuple(n for n, _ in ROSTER_COLUMNS), ["park", "roster", "import"]),
}
ROSTER_PARK = "kq-fz"
BANKS = ("绍兴银行", "瑞丰银行", "工商银行", "农业银行柯桥支行", "浙江绍兴恒信农村商业银行")

TARGET_ROWS_PER_S = 30_000
TARGET_RATIO = 0.3
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "厂", "商行", "经营部", "店")
REGION_CODES = {city: f"33{i + 1:02d}" for i, city in enumerate(ZHEJIANG_CITIES)}
CITIES = tuple(ZHEJIANG_CITIES.items())


def progress(message: str) -> None:
    """One line of progress on stderr, so stdout holds only the figures."""
    print(message, file=sys.stderr, flush=True)


def _org_id(n: int) -> str:
    """Nine characters like MA2C0K0L0, distinct for each `n` < 31^7 (so USCCs never repeat)."""
    n = n * 2_654_435_761 % 31**7  # a bijection (the factor is prime to 31) that scatters n
    digits = []
    for _ in range(7):
        n, digit = divmod(n, len(CHARSET))
        digits.append(CHARSET[digit])
    return "MA" + "".join(digits)


def _row(i: int, rng: random.Random, brand_chars: str) -> tuple[list[str], str]:
    """One list row and its kind: "ok", "bad uscc", "no name" or "no uscc"."""
    city, counties = rng.choice(CITIES)
    county = rng.choice(counties)
    prefix = rng.choice(("", "", "浙江", short_form(city), short_form(county)))
    brand = "".join(rng.choices(brand_chars, k=rng.choice((2, 2, 3))))
    name = f"{prefix}{brand}{rng.choice(INDUSTRIES)}{rng.choice(FORMS)}"
    first17 = f"9{rng.choice('12')}{REGION_CODES[city]}{rng.randint(0, 99):02d}{_org_id(i)}"
    uscc, kind = first17 + uscc_check_char(first17), "ok"
    draw = rng.random()
    if draw < 0.005:
        uscc, kind = first17 + CHARSET[(CHARSET.index(uscc[-1]) + 1) % len(CHARSET)], "bad uscc"
    elif draw < 0.0055:
        name, kind = "", "no name"
    elif draw < 0.03:
        uscc, kind = "", "no uscc"
    city_typed = rng.choice((city, short_form(city)))
    county_typed = rng.choice((county, county, short_form(county), ""))
    flags = [rng.choice(("是", "否", "")), rng.choice(("是", "否", ""))]
    return [name, uscc, city_typed, county_typed, *flags], kind


def _roster_row(i: int, rng: random.Random, brand_chars: str) -> tuple[list[str], str]:
    """One roster row: a list row's firm with the roster's columns."""
    (name, uscc, *_), kind = _row(i, rng, brand_chars)
    banks = "、".join(rng.sample(BANKS, rng.choice((0, 0, 1, 1, 2, 3))))
    credit = str(rng.choice((100, 300, 500, 1200))) if banks else ""
    entity = rng.choice(("企业", "企业", "企业", "个体工商户", "小微企业主", ""))
    contact = rng.choice(("王芳", "李强", "张伟", ""))
    phone = f"13{rng.randrange(10**9):09d}" if contact else ""
    need = rng.choice(("是", "否", "", ""))
    return [name, uscc, entity, rng.choice(INDUSTRIES), banks, credit, contact, phone, need], kind


HEADERS = {
    "list": ("企业名称", "统一社会信用代码", "地市", "县（市、区）", "无贷户", "单一银行"),
    "roster": (
        "企业名称", "统一社会信用代码", "主体类型", "行业", "已合作银行", "已有授信（万元）",
        "联系人", "联系电话", "融资需求",
    ),
}  # fmt: skip


def generate(path: Path, rows: int, seed: int, what: str = "list") -> dict[str, int]:
    """Write the list (or roster) as CSV; return how many rows of each kind it holds."""
    rng = random.Random(seed)
    brand_chars = "".join(dict.fromkeys(BRAND_CHARS))
    make_row = _row if what == "list" else _roster_row
    kinds: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS[what])
        for i in range(rows):
            row, kind = make_row(i, rng, brand_chars)
            kinds[kind] = kinds.get(kind, 0) + 1
            writer.writerow(row)
    return kinds


@contextmanager
def fresh_database(kind: str, directory: Path, label: str) -> Iterator[tuple[str, Engine]]:
    """An empty migrated database: a new SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / f'{label}-{uuid.uuid4().hex[:6]}.db'}"
        engine = make_engine(url)
        upgrade(engine)
        _with_catalog(engine)
        try:
            yield url, engine
        finally:
            engine.dispose()
        return
    server = os.environ.get("YINQI_TEST_DATABASE_URL", PG_DEFAULT)
    schema = f"yinqi_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    url = scoped.render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        upgrade(engine)
        _with_catalog(engine)
        yield url, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _with_catalog(engine: Engine) -> None:
    """The sample catalog, whose parks a roster goes into."""
    with Session(engine) as session:
        save_catalog(session, sample_catalog())
        session.commit()


@dataclass(frozen=True, slots=True)
class Run:
    """One run: the command's wall time and rows, the raw executemany's time and rows."""

    read: int
    import_s: float
    inserted: int
    raw_s: float
    summary: str

    @property
    def import_rate(self) -> float:
        return self.read / self.import_s

    @property
    def raw_rate(self) -> float:
        return self.inserted / self.raw_s

    @property
    def ratio(self) -> float:
        return self.import_rate / self.raw_rate


def run_once(csv_path: Path, rows: int, kind: str, directory: Path, what: str = "list") -> Run:
    """(a) the command into a fresh database, (b) a raw executemany of its rows into another."""
    table, columns, words = KINDS[what]
    with fresh_database(kind, directory, "import") as (url, engine):
        get_settings.cache_clear()
        started = time.perf_counter()
        errors = directory / "bhjwq.rejected.csv"  # not into the current directory
        target = ["--list", "bhjwq"] if what == "list" else ["--park", ROSTER_PARK]
        command = [*words, str(csv_path), *target, "--errors", str(errors)]
        result = CliRunner().invoke(app, command, env={"DATABASE_URL": url})
        import_s = time.perf_counter() - started
        get_settings.cache_clear()
        if result.exit_code != 0:
            raise SystemExit(
                f"yinqi {' '.join(words)} failed ({result.exit_code}): {result.output}"
            )
        # JSON read back as stored text, so that (b) inserts what (a) stored
        shown = ", ".join(f"CAST({c} AS TEXT)" if c == "existing_banks" else c for c in columns)
        with engine.connect() as conn:
            parsed = [tuple(row) for row in conn.exec_driver_sql(f"SELECT {shown} FROM {table}")]
    progress(f"  import: {import_s:.2f} s; raw executemany of {len(parsed):,} parsed rows …")
    with fresh_database(kind, directory, "raw") as (_, engine):
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        marks = [f"CAST({mark} AS JSON)" if c == "existing_banks" else mark for c in columns]
        if engine.dialect.name == "sqlite":
            marks = [mark] * len(columns)
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(marks)})"
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql(insert, parsed)
        raw_s = time.perf_counter() - started
    progress(f"  raw: {raw_s:.2f} s")
    return Run(rows, import_s, len(parsed), raw_s, result.stdout.strip())


def report(runs: Sequence[Run], kind: str) -> int:
    """Print each run, the medians and the verdict; 0 if both targets are met."""
    for n, r in enumerate(runs, 1):
        print(
            f"run {n}     import {r.import_rate:>9,.0f} rows/s ({r.import_s:.2f} s)"
            f"   raw executemany {r.raw_rate:>9,.0f} rows/s ({r.raw_s:.2f} s)"
            f"   ratio {r.ratio:.2f}"
        )
    rate = statistics.median(r.import_rate for r in runs)
    raw = statistics.median(r.raw_rate for r in runs)
    ratio = statistics.median(r.ratio for r in runs)
    label = "median" if len(runs) > 1 else "result"
    print(
        f"{label:<9} import {rate:,.0f} rows/s (target ≥ {TARGET_ROWS_PER_S:,}), raw executemany "
        f"{raw:,.0f} rows/s, ratio {ratio:.2f} (target ≥ {TARGET_RATIO}) [{kind}]"
    )
    checks = {
        f"≥ {TARGET_ROWS_PER_S:,} rows/s": rate >= TARGET_ROWS_PER_S,
        f"≥ {TARGET_RATIO} of raw": ratio >= TARGET_RATIO,
    }
    verdict = "PASS" if all(checks.values()) else "FAIL"
    print(
        f"verdict   {verdict}: "
        + ", ".join(f"{k} {'ok' if v else 'NOT MET'}" for k, v in checks.items())
    )
    return 0 if verdict == "PASS" else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit status 0 when every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=tuple(KINDS), default="list", help="what to import")
    parser.add_argument("--rows", type=int, default=630_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=1, help="runs to take the median of")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="yinqi-bench-import-") as tmp:
        directory = Path(tmp)
        csv_path = directory / "bhjwq.csv"
        progress(f"generating {args.rows:,} rows (seed {args.seed}) …")
        started = time.perf_counter()
        kinds = generate(csv_path, args.rows, args.seed, args.kind)
        size_mb = csv_path.stat().st_size / 2**20
        print(
            f"list      {args.rows:,} rows, {size_mb:.1f} MB UTF-8 CSV, generated in "
            f"{time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items()))
        )
        command = " ".join(KINDS[args.kind][2])
        print(f"(a)       `yinqi {command} FILE` through typer's CliRunner (the whole command)")
        print("(b)       one DB-API executemany of the rows (a) stored, into a fresh database")
        runs = []
        for n in range(1, args.runs + 1):
            progress(f"run {n}/{args.runs} on {args.database} …")
            runs.append(run_once(csv_path, args.rows, args.database, directory, args.kind))
        print(f"command   {runs[-1].summary}")
        return report(runs, args.database)


if __name__ == "__main__":
    sys.exit(main())
