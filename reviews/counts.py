"""Denormalised counts kept by the database itself: `ShortcomingCount` (the UBKT board) and
`RoundRatingCount` (a round's top-rating shares).

Statement-level triggers with transition tables: one grouped upsert per statement, whatever the number of
rows it wrote, in the writer's own transaction. A write that leaves a row's key unchanged (editing a
shortcoming's text) moves nothing. Every writer is covered: the services, the demo's bulk inserts, an
`UPDATE` in the shell. The triggers are created by the migration (`SQL`) and proven against a recount
(`recount_*`, used by the tests and the migration's backfill).
"""

from __future__ import annotations

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


def _function(name: str, target: str, key: str, columns: tuple[str, ...], deltas: str) -> str:
    sums = ", ".join(f"SUM({c})" for c in columns)
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in columns)
    updates = ", ".join(f"{c} = {target}.{c} + EXCLUDED.{c}" for c in columns)
    cols = ", ".join(columns)

    def upsert(parts: list[str]) -> str:
        union = " UNION ALL ".join(parts)
        return (
            f"INSERT INTO {target} ({key}, {cols}) SELECT {key}, {sums} FROM ({union}) AS d "
            f"GROUP BY {key} HAVING {nonzero} ORDER BY {key} "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates};"
        )

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
