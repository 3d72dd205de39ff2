"""Denormalised counts kept by the database itself: `ShortcomingCount` and its roll-up by committee
`ShortcomingCommitteeCount` (the UBKT board), and `RoundRatingCount` (a round's top-rating shares).

Statement-level triggers with transition tables: one grouped upsert per statement, whatever the number of
rows it wrote, in the writer's own transaction. A write that leaves a row's key unchanged (editing a
shortcoming's text) moves nothing. Every writer is covered: the services, the demo's bulk inserts, an
`UPDATE` in the shell. The triggers are created by the migration (`SQL`) and proven against a recount
(`recount_*`, used by the tests and the migration's backfill).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

# Deltas of a statement: +1 per new row, -1 per old row, grouped by the count's key; zero sums dropped.
_SHORTCOMING_DELTAS = """
    SELECT cell_id, EXTRACT(YEAR FROM period_start)::int AS year, status,
           {sign} AS items, {sign} * (due_on IS DISTINCT FROM original_due_on)::int AS extended
    FROM {table}
"""
_RATING_DELTAS = """
    SELECT round_id, member_id IS NULL AS collective, decided_rating AS rating, {sign} AS reviews
    FROM {table} WHERE status = 'decided' AND round_id IS NOT NULL
"""


def _upsert(target: str, key: str, columns: tuple[str, ...], parts: list[str]) -> str:
    """Add the summed deltas of `parts` to the counts `target`, one row per `key`."""
    sums = ", ".join(f"SUM({c})" for c in columns)
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in columns)
    updates = ", ".join(f"{c} = {target}.{c} + EXCLUDED.{c}" for c in columns)
    cols = ", ".join(columns)
    union = " UNION ALL ".join(parts)
    return (
        f"INSERT INTO {target} ({key}, {cols}) SELECT {key}, {sums} FROM ({union}) AS d "
        f"GROUP BY {key} HAVING {nonzero} ORDER BY {key} "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates};"
    )


def _function(name: str, target: str, key: str, columns: tuple[str, ...], deltas: str) -> str:
    def upsert(parts: list[str]) -> str:
        return _upsert(target, key, columns, parts)

    new = deltas.format(sign="1", table="new_rows")
    old = deltas.format(sign="-1", table="old_rows")
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {upsert([new])}
    ELSIF TG_OP = 'UPDATE' THEN
        {upsert([new, old])}
    ELSE
        {upsert([old])}
    END IF;
    RETURN NULL;
END;
$$;
"""


def _triggers(table: str, function: str) -> str:
    return "".join(
        f"CREATE TRIGGER {function}_{op.lower()} AFTER {op} ON {table} "
        f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
        for op, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        )
    )


SQL = (
    _function(
        "reviews_shortcoming_counts",
        "reviews_shortcomingcount",
        "cell_id, year, status",
        ("items", "extended"),
        _SHORTCOMING_DELTAS,
    )
    + _triggers("reviews_shortcoming", "reviews_shortcoming_counts")
    + _function(
        "reviews_round_rating_counts",
        "reviews_roundratingcount",
        "round_id, collective, rating",
        ("reviews",),
        _RATING_DELTAS,
    )
    + _triggers("reviews_review", "reviews_round_rating_counts")
)

REVERSE_SQL = """
DROP TRIGGER reviews_shortcoming_counts_insert ON reviews_shortcoming;
DROP TRIGGER reviews_shortcoming_counts_update ON reviews_shortcoming;
DROP TRIGGER reviews_shortcoming_counts_delete ON reviews_shortcoming;
DROP FUNCTION reviews_shortcoming_counts();
DROP TRIGGER reviews_round_rating_counts_insert ON reviews_review;
DROP TRIGGER reviews_round_rating_counts_update ON reviews_review;
DROP TRIGGER reviews_round_rating_counts_delete ON reviews_review;
DROP FUNCTION reviews_round_rating_counts();
"""

# The board's roll-up by committee (`ShortcomingCommitteeCount`): the cell's committee as it is now, and the
# due date of the items still being worked on (Shortcoming.ACTIVE), NULL for the others.
_COMMITTEE_KEY = "committee_id, year, status, due_on"
_COMMITTEE_ROW = """
    SELECT cell.committee_id, EXTRACT(YEAR FROM s.period_start)::int AS year, s.status,
           CASE WHEN s.status IN ('open', 'in_progress') THEN s.due_on END AS due_on,
           {sign} AS items, {sign} * (s.due_on IS DISTINCT FROM s.original_due_on)::int AS extended
"""
_COMMITTEE_DELTAS = _COMMITTEE_ROW + "FROM {table} s JOIN cells_cell cell ON cell.id = s.cell_id"
# A cell moved to another committee: its rows leave the old committee's counts for the new one's.
# (`was`, not `old`: in PL/pgSQL that is the trigger's OLD record)
_MOVED_DELTAS = (
    _COMMITTEE_ROW.replace("cell.committee_id", "{side}.committee_id")
    + "FROM reviews_shortcoming s JOIN new_rows cell ON cell.id = s.cell_id "
    + "JOIN old_rows was ON was.id = cell.id WHERE was.committee_id <> cell.committee_id"
)

COMMITTEE_SQL = (
    _function(
        "reviews_shortcoming_committee_counts",
        "reviews_shortcomingcommitteecount",
        _COMMITTEE_KEY,
        ("items", "extended"),
        _COMMITTEE_DELTAS,
    )
    + _triggers("reviews_shortcoming", "reviews_shortcoming_committee_counts")
    + f"""
CREATE OR REPLACE FUNCTION reviews_shortcoming_committee_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {
        _upsert(
            "reviews_shortcomingcommitteecount",
            _COMMITTEE_KEY,
            ("items", "extended"),
            [_MOVED_DELTAS.format(side="cell", sign="1"), _MOVED_DELTAS.format(side="was", sign="-1")],
        )
    }
    RETURN NULL;
END;
$$;
CREATE TRIGGER reviews_shortcoming_committee_moves AFTER UPDATE ON cells_cell
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
EXECUTE FUNCTION reviews_shortcoming_committee_moves();
"""
)

COMMITTEE_REVERSE_SQL = """
DROP TRIGGER reviews_shortcoming_committee_counts_insert ON reviews_shortcoming;
DROP TRIGGER reviews_shortcoming_committee_counts_update ON reviews_shortcoming;
DROP TRIGGER reviews_shortcoming_committee_counts_delete ON reviews_shortcoming;
DROP FUNCTION reviews_shortcoming_committee_counts();
DROP TRIGGER reviews_shortcoming_committee_moves ON cells_cell;
DROP FUNCTION reviews_shortcoming_committee_moves();
"""

# The counts from scratch: what the triggers must agree with (the tests), and the migration's backfill.
RECOUNT_SHORTCOMINGS = """
    SELECT cell_id, EXTRACT(YEAR FROM period_start)::int, status,
           COUNT(*), COUNT(*) FILTER (WHERE due_on IS DISTINCT FROM original_due_on)
    FROM reviews_shortcoming GROUP BY 1, 2, 3
"""
RECOUNT_RATINGS = """
    SELECT round_id, member_id IS NULL, decided_rating, COUNT(*)
    FROM reviews_review WHERE status = 'decided' AND round_id IS NOT NULL GROUP BY 1, 2, 3
"""

BACKFILL_SQL = f"""
INSERT INTO reviews_shortcomingcount (cell_id, year, status, items, extended) {RECOUNT_SHORTCOMINGS};
INSERT INTO reviews_roundratingcount (round_id, collective, rating, reviews) {RECOUNT_RATINGS};
"""

RECOUNT_COMMITTEES = """
    SELECT cell.committee_id, EXTRACT(YEAR FROM s.period_start)::int, s.status,
           CASE WHEN s.status IN ('open', 'in_progress') THEN s.due_on END,
           COUNT(*), COUNT(*) FILTER (WHERE s.due_on IS DISTINCT FROM s.original_due_on)
    FROM reviews_shortcoming s JOIN cells_cell cell ON cell.id = s.cell_id GROUP BY 1, 2, 3, 4
"""
COMMITTEE_BACKFILL_SQL = f"""
INSERT INTO reviews_shortcomingcommitteecount ({_COMMITTEE_KEY}, items, extended) {RECOUNT_COMMITTEES};
"""


def recounted_shortcomings() -> dict[tuple[int, int, str], tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(RECOUNT_SHORTCOMINGS)
        return {(c, y, s): (n, e) for c, y, s, n, e in cursor.fetchall()}


def stored_shortcomings() -> dict[tuple[int, int, str], tuple[int, int]]:
    from reviews.models import ShortcomingCount

    rows = ShortcomingCount.objects.exclude(items=0).values_list(
        "cell_id", "year", "status", "items", "extended"
    )
    return {(c, y, s): (n, e) for c, y, s, n, e in rows}


def recounted_ratings() -> dict[tuple[int, bool, str], int]:
    with connection.cursor() as cursor:
        cursor.execute(RECOUNT_RATINGS)
        return {(r, c, rating): n for r, c, rating, n in cursor.fetchall()}


def stored_ratings() -> dict[tuple[int, bool, str], int]:
    from reviews.models import RoundRatingCount

    rows = RoundRatingCount.objects.exclude(reviews=0).values_list(
        "round_id", "collective", "rating", "reviews"
    )
    return {(r, c, rating): n for r, c, rating, n in rows}


def recounted_committees() -> dict[tuple[int, int, str, Any], tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(RECOUNT_COMMITTEES)
        return {(c, y, s, d): (n, e) for c, y, s, d, n, e in cursor.fetchall()}


def stored_committees() -> dict[tuple[int, int, str, Any], tuple[int, int]]:
    from reviews.models import ShortcomingCommitteeCount

    rows = ShortcomingCommitteeCount.objects.exclude(items=0).values_list(
        "committee_id", "year", "status", "due_on", "items", "extended"
    )
    return {(c, y, s, d): (n, e) for c, y, s, d, n, e in rows}
