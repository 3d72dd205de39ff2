"""Every demo role walks every page it can reach from the home page, on a phone, and each page passes.

For each account of the demo ward (seeded by `seed_demo` into the test database) a phone-sized browser logs
in and follows same-origin links from the home page, GET only. Every link offered is opened: none may answer
403 or 404 (a link the user cannot open is a dead end). Every HTML page of each URL pattern seen first
(`/members/<n>/` once, not all 400 members) is checked in the browser:
- axe-core finds no violation of impact serious or critical (contrast, names, labels, target size…);
- nothing scrolls sideways at 360 px, nor at 390 px (the document wider than the phone);
- chromium reports no Content-Security-Policy violation (an inline script or style the policy refused);
- no visible text is smaller than 14 px, and no control, menu link or checkbox row is a target under 44 px.
The HTML of all those pages goes, after the walk, to one run of the Nu Html Checker (errors only).

axe-core and vnu.jar come from node_modules (package.json, `npm ci` in `make install`); nothing is fetched.
Without them, or without Java, the test skips; with CI set it fails.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from html import unescape
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Browser, Page

from cells.models import Member
from phuthang import periods
from tests.conftest import vi
from tests.factories import PASSWORD, make_meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# The demo accounts of the Makefile, one per kind of user.
ROLES = ["vanphong", "bithu", "phobithu", "ubkt", "ubkt2", "uyvien01", "chibo01", "dangvien"]

LONG_EMAIL = "nguyenthiphuongthao.hoinguoicaotuoi.phuthang@example.org"  # 54 characters, one word
# Links opened per role at most (a bound, not a target: the demo ward needs fewer).
MAX_LINKS = 1500
# Pages checked in the browser per URL pattern: the first one met.
PAGES_PER_PATTERN = 1
# Not walked: the Django admin is Django's own pages (its links are still opened and must answer).
NOT_WALKED = ("/admin/",)

# Visible text under 14 px; the computed size of each element that holds a text node of its own.
SMALL_TEXT_JS = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('.visually-hidden, [hidden], [aria-hidden=true]')) continue;
    const size = parseFloat(style.fontSize);
    if (size < 14) small.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${size}px: `
                              + node.textContent.trim().slice(0, 40));
  }
  return [...new Set(small)];
}"""

AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
                summary: (v.nodes[0] && v.nodes[0].failureSummary || '').split('\\n').slice(0, 2).join(' ')}));
}"""

# Tap targets under 44 × 44 px: controls, menu and pager links, and a checkbox's or radio's whole row (its
# label is tappable). Links inside running text are exempt, as in WCAG.
SMALL_TARGET_JS = """() => {
  const small = [];
  const controls = 'button, .btn, select, textarea, .nav-link, .page-link, .form-check, '
    + 'input:not([type=hidden]):not([type=radio]):not([type=checkbox])';
  for (const el of document.querySelectorAll(controls)) {
    if (el.matches('.btn-check') || !el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    if (r.width && (r.width < 44 || r.height < 44))
      small.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(r.width)}×`
                 + `${Math.round(r.height)}: ${(el.textContent || el.name || '').trim().slice(0, 30)}`);
  }
  return [...new Set(small)];
}"""

# With is_mobile Chromium widens the layout viewport to fit wide content, so innerWidth grows with the page:
# compare the document's width with the phone's.
SCROLL_WIDTH_JS = "() => document.documentElement.scrollWidth"


@dataclass
class Walk:
    """What one role met: every problem found, by kind, each naming the page."""

    role: str
    opened: int = 0
    checked: int = 0
    seconds: float = 0.0
    problems: dict[str, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    html: dict[str, str] = field(default_factory=dict)  # path -> the HTML the server sent


def pattern(path: str) -> str:
    """`/members/412/?page=2` -> `/members/<n>/?page`: pages of one pattern are drawn by one template."""
    parts = urlsplit(path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "<n>", parts.path) + ("?" + "&".join(keys) if keys else "")


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=vi("Log in")).click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not log in"


def same_origin(hrefs: list[str], origin: str) -> list[str]:
    """The paths (with their query) of the same-origin links, without fragments or the logout link."""
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin and "/logout" not in parts.path:
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def links_on(page: Page, origin: str) -> list[str]:
    return same_origin(page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"), origin)


def links_in(html: str, url: str, origin: str) -> list[str]:
    """The links of a page not drawn in the browser, read from the HTML the server sent."""
    hrefs = re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html)
    return same_origin([urljoin(url, unescape(href)) for href in hrefs], origin)


def check_page(page: Page, walk: Walk, path: str) -> None:
    page.set_viewport_size({"width": 360, "height": 844})
    page.goto(path)
    for width in (360, 390):  # then the window widens to the test's phone: the page reflows, no reload
        page.set_viewport_size({"width": width, "height": 844})
        if (scroll_width := page.evaluate(SCROLL_WIDTH_JS)) > width:
            walk.problems["overflow"].append(f"{path}: {scroll_width} px wide on a {width} px phone")
    for text in page.evaluate(SMALL_TEXT_JS):
        walk.problems["small text"].append(f"{path}: {text}")
    for target in page.evaluate(SMALL_TARGET_JS):
        walk.problems["small target"].append(f"{path}: {target}")
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():  # the menu folds away on a phone: open it, so that its links are checked too
        toggler.click()
        page.locator("#nav.show").wait_for()
    # Evaluated through the DevTools protocol: a <script> tag would be refused by the page's policy.
    page.evaluate(AXE.read_text())
    for violation in page.evaluate(AXE_JS):
        walk.problems["axe"].append(
            f"{path}: {violation['id']} ({violation['impact']}) {violation['nodes']} {violation['summary']}"
        )


def walk_as(browser: Browser, context_args: dict[str, Any], origin: str, role: str) -> Walk:
    walk = Walk(role)
    started = time.monotonic()
    context = browser.new_context(**{**context_args, "base_url": origin})
    page = context.new_page()
    page.on(  # the Content-Security-Policy (phuthang/security.py): chromium reports each refusal here
        "console",
        lambda m: (
            walk.problems["csp"].append(f"{urlsplit(page.url).path}: {m.text[:160]}")
            if "Content Security Policy" in m.text
            else None
        ),
    )
    log_in(page, role)
    queue = collections.deque(["/"])
    found_on = {"/": "the login"}  # each link, and the page it was first offered on
    checked_per_pattern: collections.Counter[str] = collections.Counter()
    queued_patterns = {"/"}
    while queue and walk.opened < MAX_LINKS:
        path = queue.popleft()
        response = context.request.get(path, max_redirects=5)
        walk.opened += 1
        if response.status in (403, 404):
            walk.problems["403/404"].append(f"{path}: {response.status}, linked from {found_on[path]}")
            continue
        if response.status >= 400:
            walk.problems["error"].append(f"{path}: {response.status}, linked from {found_on[path]}")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue  # a download (DOCX, XLSX): it answered, that is all a link owes
        if path.startswith(NOT_WALKED):
            continue
        if checked_per_pattern[pattern(path)] >= PAGES_PER_PATTERN:
            # not checked again, but it may lead to a page of a pattern not met yet (a draft's sheet)
            for link in links_in(response.text(), response.url, origin):
                if link not in found_on and pattern(link) not in queued_patterns:
                    found_on[link] = path
                    queued_patterns.add(pattern(link))
                    queue.append(link)
            continue
        checked_per_pattern[pattern(path)] += 1
        walk.html[path] = response.text()
        check_page(page, walk, path)
        walk.checked += 1
        for link in links_on(page, origin):
            if link not in found_on:
                found_on[link] = path
                queued_patterns.add(pattern(link))
                queue.append(link)
    context.close()
    walk.seconds = time.monotonic() - started
    return walk


def validate_html(walks: list[Walk], folder: Path) -> None:
    """One run of the Nu Html Checker over every page of every role: it is slow to start."""
    files: dict[str, tuple[Walk, str]] = {}
    for walk in walks:
        for index, (path, html) in enumerate(walk.html.items()):
            file = folder / f"{walk.role}-{index:04d}.html"
            file.write_text(html, encoding="utf-8")
            files[f"file:{file}"] = (walk, path)  # as vnu names it: file:/tmp/…, not file:///tmp/…
    run = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            *sorted(str(f) for f in folder.iterdir()),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    messages = json.loads(run.stderr)["messages"]
    for message in messages:
        walk, path = files.get(message.get("url", ""), (walks[0], message.get("url", "?")))
        walk.problems["html"].append(f"{path}:{message.get('lastLine')}: {message['message']}")
    assert run.returncode == 0 or messages, run.stderr


def add_the_hard_cases() -> None:
    """What the demo ward lacks and a phone must hold: a long email address on every account's own page
    (the member page each role meets first), and a draft thematic meeting of today for chibo01's sheet."""
    Member.objects.filter(user__username__in=ROLES).update(email=LONG_EMAIL)
    secretary = get_user_model().objects.get(username="chibo01")
    make_meeting(
        secretary.member.cell, by=secretary, kind="thematic", topic="Học tập Nghị quyết", date=periods.today()
    )


def missing_tools() -> list[str]:
    missing = [str(p.relative_to(ROOT)) + " (make install)" for p in (AXE, VNU) if not p.exists()]
    return missing + ([] if shutil.which("java") else ["java (apt-get install -y default-jre-headless)"])


def report(walks: list[Walk]) -> str:
    kinds = ["axe", "csp", "overflow", "small text", "small target", "html", "403/404", "error"]
    lines = [f"{'role':<10} {'opened':>6} {'checked':>7} {'s':>5} " + " ".join(f"{k:>12}" for k in kinds)]
    for walk in walks:
        pages = {k: len({p.split(":")[0] for p in walk.problems[k]}) for k in kinds}
        lines.append(
            f"{walk.role:<10} {walk.opened:>6} {walk.checked:>7} {walk.seconds:>5.0f} "
            + " ".join(f"{pages[k]:>12}" for k in kinds)
        )
    lines.append("(pages with at least one problem of each kind)")
    for walk in walks:
        for kind in kinds:
            lines += [f"{walk.role} {kind}: {problem}" for problem in walk.problems[kind][:40]]
    return "\n".join(lines)


def test_every_demo_role_reaches_only_pages_it_can_open_and_each_passes_on_a_phone(
    browser: Browser, browser_context_args: dict[str, Any], live_server: Any, tmp_path: Path
) -> None:
    if missing := missing_tools():
        message = f"the crawl needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI is set, so it must run", pytrace=False)
        pytest.skip(message)
    call_command("seed_demo", force=True, stdout=StringIO())
    add_the_hard_cases()

    walks = [walk_as(browser, browser_context_args, live_server.url, role) for role in ROLES]
    started = time.monotonic()
    validate_html(walks, tmp_path)
    summary = report(walks) + f"\nNu Html Checker: {time.monotonic() - started:.0f} s"
    print("\n" + "\n".join(f"{walk.role} checked: {' '.join(walk.html)}" for walk in walks))
    print(summary)
    assert not any(walk.problems[kind] for walk in walks for kind in walk.problems), summary
