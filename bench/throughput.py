"""`make bench`'s throughput half: requests per second of the pages that must keep their ward throughput at
province scale (the UBKT board, the leader's round page), each beside `/healthz` in the same run.

    python bench/throughput.py --base http://127.0.0.1:8791 --scale ward --seconds 8 --clients 4

For each page, `--clients` logged-in sessions request it in a loop for `--seconds`; the page's rate is
divided by `/healthz`'s measured the same way just before it, so a busy machine moves both. Merges
{scale: {page: {"per_s", "healthz_per_s", "share"}}} into bench/throughput.json, and with both scales in
it prints each page's province share over its ward share (the target is at least 0.8).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parent))
from pages import login


def rate(sessions: list[requests.Session], url: str, seconds: float) -> float:
    """Requests per second answered 200 by `sessions` together, each looping on `url` for `seconds`."""
    done = [0] * len(sessions)
    stop = time.perf_counter() + seconds

    def loop(n: int) -> None:
        while time.perf_counter() < stop:
            response = sessions[n].get(url)
            if response.status_code != 200:
                raise SystemExit(f"{response.status_code} on {url}")
            done[n] += 1

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(len(sessions))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--out", default="bench/throughput.json")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    leaders = [login(base, "bithu") for _ in range(args.clients)]
    rounds = leaders[0].get(f"{base}/review-rounds/").text
    found = re.search(r'href="(/review-rounds/\d+/)"', rounds)
    pages = {"ubkt_board": f"{base}/shortcomings/"}
    if found is not None:
        pages["round"] = f"{base}{found.group(1)}"
    results = {}
    for name, url in pages.items():
        rate(leaders, url, 1)  # warm-up
        healthz = rate(leaders, f"{base}/healthz", args.seconds)
        per_s = rate(leaders, url, args.seconds)
        results[name] = {
            "per_s": round(per_s, 1),
            "healthz_per_s": round(healthz, 1),
            "share": round(per_s / healthz, 4),
        }
    out = Path(args.out)
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged[args.scale] = results
    out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"{args.scale}: {args.clients} clients, {args.seconds:g} s a page")
    print(f"{'page':<14}{'req/s':>8}{'healthz/s':>11}{'share':>9}{'÷ ward':>9}")
    for name, row in results.items():
        ward = merged.get("ward", {}).get(name)
        kept = f"{row['share'] / ward['share']:.2f}" if ward and args.scale != "ward" else ""
        print(f"{name:<14}{row['per_s']:>8}{row['healthz_per_s']:>11}{row['share']:>9}{kept:>9}")


if __name__ == "__main__":
    main()
