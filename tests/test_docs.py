"""The design notes in docs/ are reachable from the README, and every link to them leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Written by a management command, whose own test fails when the file is missing or out of date.
GENERATED = {DOCS / "access.md"}
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
MENTION = re.compile(r"\bdocs/[\w-]+\.md\b")


SKIPPED = {".venv", ".git", ".data", "staticfiles", "node_modules"}


def project_files(*suffixes: str) -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*")
        if path.suffix in suffixes and path.is_file() and not SKIPPED & set(path.relative_to(ROOT).parts)
    ]


def relative_links(page: Path) -> list[str]:
    return [target for target in LINK.findall(page.read_text()) if "://" not in target]


def test_the_readme_layout_points_at_the_design_notes():
    layout = (ROOT / "README.md").read_text().split("## Layout", 1)[1]
    assert "(docs/README.md)" in layout


def test_the_index_lists_every_page_of_docs():
    listed = {(DOCS / target).resolve() for target in relative_links(DOCS / "README.md")}
    pages = {page.resolve() for page in DOCS.glob("*.md") if page.name != "README.md"} | GENERATED
    assert pages - listed == set()


def test_every_link_in_the_readme_and_docs_leads_to_a_file():
    broken = [
        f"{page.relative_to(ROOT)} → {target}"
        for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
        for target in relative_links(page)
        if not (page.parent / target).exists() and (page.parent / target).resolve() not in GENERATED
    ]
    assert broken == []


def test_every_page_of_docs_the_code_names_exists():
    missing = sorted(
        f"{path.relative_to(ROOT)}: {mention}"
        for path in project_files(".py", ".html", ".txt", ".md")
        for mention in set(MENTION.findall(path.read_text()))
        if not (ROOT / mention).exists() and ROOT / mention not in GENERATED
    )
    assert missing == []
