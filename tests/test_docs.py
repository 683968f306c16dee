"""The README and docs/ stay true: every relative link leads to a file (and heading) of the
repository, and every `yinqi` command they show is one the CLI has, with options it takes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from api.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "bench" / "RESULTS.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```[^\n]*\n.*?^```", re.M | re.S)
SHELL_FENCE = re.compile(r"^```sh\n(.*?)^```", re.M | re.S)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`([^`]+)`")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def prose(text: str) -> str:
    """The page without its fenced code blocks, where a link is not a link."""
    return FENCE.sub("", text)


def slugs(page: Path) -> set[str]:
    """The anchors GitHub makes for a page's headings: lower case, punctuation dropped, spaces
    to hyphens, a repeated heading numbered."""
    seen: dict[str, int] = {}
    anchors = set()
    for title in HEADING.findall(prose(page.read_text(encoding="utf-8"))):
        base = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchors.add(base if count == 0 else f"{base}-{count}")
    return anchors


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """Each relative link of the page whose file, or heading, is not there in `root`."""
    broken = []
    for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z]+:", target):
            continue  # http:, https:, mailto: — not ours to check offline
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.is_relative_to(root) or not file.exists():
            broken.append(f"{target}: no such file in the repository")
        elif anchor and file.suffix == ".md" and anchor not in slugs(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_leads_to_a_file_and_heading_of_the_repository(page: Path) -> None:
    assert broken_links(page) == []


def test_the_readme_links_every_page_of_docs() -> None:
    readme = prose((ROOT / "README.md").read_text(encoding="utf-8"))
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in LINK.findall(readme)}
    assert {page.resolve() for page in (ROOT / "docs").glob("*.md")} <= linked


def shown_commands(text: str) -> list[str]:
    """The `yinqi …` command lines a page shows: in its shell blocks and its inline code."""
    lines = [line for block in SHELL_FENCE.findall(text) for line in block.splitlines()]
    lines += [" ".join(span.split()) for span in INLINE_CODE.findall(prose(text))]
    commands = []
    for line in lines:
        for part in line.split("&&"):
            code = part.split(" #")[0] if not part.lstrip().startswith("#") else ""
            words = code.replace("[", " ").replace("]", " ").split()
            while words and ENV_ASSIGNMENT.match(words[0]):
                words.pop(0)
            if words[:1] == ["yinqi"]:
                commands.append(" ".join(words))
    return commands


def command_error(shown: str) -> str | None:
    """Why the CLI would not know this command line, or None when it does."""
    command: Any = typer.main.get_command(app)  # typer's own click: a group is what has commands
    words = shown.split()[1:]
    while hasattr(command, "commands") and words and not words[0].startswith("-"):
        if words[0] not in command.commands:
            return f"{shown}: no command {words[0]!r}"
        command = command.commands[words.pop(0)]
    if hasattr(command, "commands") and words and words != ["--help"]:
        return f"{shown}: a command group, not a command"
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    given = {word.split("=")[0] for word in words if word.startswith("--")}
    unknown = sorted(given - options - {"--help"})
    return f"{shown}: no option {', '.join(unknown)}" if unknown else None


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_yinqi_command_shown_is_one_the_cli_has(page: Path) -> None:
    shown = shown_commands(page.read_text(encoding="utf-8"))
    assert [error for line in shown if (error := command_error(line))] == []


def test_the_command_check_sees_a_misspelt_command_and_option() -> None:
    assert command_error("yinqi demo --firms 10") is None
    assert command_error("yinqi report weekly --out x.xlsx") is None
    assert command_error("yinqi reprot weekly") is not None
    assert command_error("yinqi demo --firm 10") is not None
    assert command_error("yinqi report") is None  # a group named alone, as prose does
    assert shown_commands("```sh\nTOKEN=1 yinqi bot  # polling\n```\n") == ["yinqi bot"]


def test_the_link_check_sees_a_missing_file_heading_or_a_way_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "b.md").write_text("# Set up\n\n## `yinqi demo`\n", encoding="utf-8")
    (tmp_path / "outside.md").write_text("# Out\n", encoding="utf-8")
    page = root / "a.md"
    page.write_text(
        "[ok](docs/b.md#yinqi-demo) [ok](docs/b.md#set-up) [web](https://example.com/x)\n"
        "[gone](docs/c.md) [nope](docs/b.md#nope) [out](../outside.md)\n"
        "```sh\n[in code](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert [line.split(":")[0] for line in broken_links(page, root)] == [
        "docs/c.md",
        "docs/b.md#nope",
        "../outside.md",
    ]
