"""`make bench`'s measuring half: the key pages over HTTP against a running server (bench/pages.sh).

    python bench/pages.py --base http://127.0.0.1:8791 --scale ward --requests 30

Logs in as the demo users, requests each page `--requests` times after one warm-up, and merges into
bench/results.json {scale: {page: {"p50_ms", "p95_ms", "queries", "ratio_p95"}}}; the query count comes from
the server's X-Queries header (PHUTHANG_BENCH=1). The reference page is a logged-in page of the base
layout reading a row or two: the list of one's own logins (/account/sessions/).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parent))
from forms import post_forms

PASSWORD = "demo-phucthang"


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    done = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    if "/accounts/login/" in done.url:
        raise SystemExit(f"{username} could not log in")
    session.landing = done.url  # type: ignore[attr-defined]
    return session


def measure(call, n: int) -> dict:
    call()  # warm-up
    timings, queries = [], set()
    for _ in range(n):
        start = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            raise SystemExit(f"{response.status_code} on {response.url}")
        queries.add(int(response.headers.get("X-Queries", "-1")))
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], 1),
        "queries": max(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--out", default="bench/results.json")
    args = parser.parse_args()
    base, n = args.base.rstrip("/"), args.requests

    leader, secretary, overseer = login(base, "bithu"), login(base, "chibo01"), login(base, "uyvien01")
    cell_dashboard = secretary.landing  # the secretary's home
    sheet_page = secretary.get(cell_dashboard).text
    edit = re.search(r'href="(/meetings/\d+/edit/)"', sheet_page)
    year = re.search(r'href="(/meetings/cell/\d+/)"', sheet_page) or re.search(
        r"/dashboard/cell/(\d+)/", cell_dashboard
    )
    meeting = re.search(r'href="(/meetings/\d+/)"', secretary.get(f"{base}/meetings/").text + sheet_page)
    if meeting is None and year is not None:
        meeting = re.search(
            r'href="(/meetings/\d+/)"', secretary.get(f"{base}/meetings/cell/{year.group(1)}/").text
        )
    pages = {
        "reference": lambda: leader.get(f"{base}/account/sessions/"),
        "committee_dashboard": lambda: leader.get(f"{base}/dashboard/"),
        "cell_dashboard": lambda: secretary.get(cell_dashboard),
        "overseer_home": lambda: overseer.get(f"{base}/dashboard/overseer/"),
        "ubkt_board": lambda: leader.get(f"{base}/shortcomings/"),
        "monthly_report": lambda: leader.get(f"{base}/dashboard/report.docx"),
    }
    if meeting is not None:
        pages["meeting"] = lambda: secretary.get(f"{base}{meeting.group(1)}")
    if edit is not None:
        path = f"{base}{edit.group(1)}"
        form = next(f for f in post_forms(secretary.get(path).text) if ("save", "1") in f.get("buttons", []))

        def save() -> requests.Response:
            fresh = next(
                f for f in post_forms(secretary.get(path).text) if ("save", "1") in f.get("buttons", [])
            )
            start = time.perf_counter()  # the POST alone: its redirect to the meeting page is `meeting`
            response = secretary.post(
                path, data=[*fresh["fields"], ("save", "1")], headers={"Referer": path}, allow_redirects=False
            )
            save.elapsed = time.perf_counter() - start  # type: ignore[attr-defined]
            assert response.status_code == 302, f"the sheet was not saved: {response.status_code}"
            return response

        del form
        pages["attendance_save"] = save
    results = {}
    for name, call in pages.items():
        if name == "attendance_save":  # time the POST alone, not the GET that fetches a fresh sheet
            timings, queries = [], set()
            call()
            for _ in range(n):
                response = call()
                timings.append(call.elapsed * 1000)  # type: ignore[attr-defined]
                queries.add(int(response.headers.get("X-Queries", "-1")))
            timings.sort()
            results[name] = {
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], 1),
                "queries": max(queries),
            }
        else:
            results[name] = measure(call, n)
    reference = results["reference"]["p95_ms"] or 1
    for row in results.values():
        row["ratio_p95"] = round(row["p95_ms"] / reference, 2)
    out = Path(args.out)
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged[args.scale] = results
    out.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    print(f"{args.scale}: {n} requests per page")
    print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'× ref p95':>11}")
    for name, row in results.items():
        print(f"{name:<22}{row['p50_ms']:>9}{row['p95_ms']:>9}{row['queries']:>9}{row['ratio_p95']:>11}")


if __name__ == "__main__":
    main()
