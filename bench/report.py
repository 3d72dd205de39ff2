"""Print locust's per-page figures (its *_stats.csv) as a Markdown table: requests, failures, p50, p95, max."""

from __future__ import annotations

import csv
import sys


def main(path: str) -> None:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    print("| page | requests | failures | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        name = row["Name"] if row["Type"] else "**all**"
        if row["Type"] == "POST":
            name += " (POST)"
        print(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} "
            f"| {float(row['Max Response Time']):.0f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1])
