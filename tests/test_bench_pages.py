from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_bench_pages_opens_every_main_page_of_the_demo_ward_without_an_error() -> None:
    call_command("seed_demo", force=True, stdout=StringIO())
    out = StringIO()
    call_command("bench_pages", repeat=1, stdout=out)
    rows = out.getvalue().splitlines()[1:]
    assert len(rows) >= 12
    assert all(row.split()[1] == "200" for row in rows), out.getvalue()


def test_seed_demo_leaves_the_planner_statistics_of_what_it_loaded(transactional_db) -> None:
    from phuthang.management.commands.seed_demo import analyze
    from tests.factories import make_cells

    make_cells(3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'cells_cell'")
        assert cursor.fetchone()[0] <= 0  # never analyzed: the planner would guess
    analyze()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'cells_cell'")
        assert cursor.fetchone()[0] == 3


@pytest.mark.django_db
def test_the_bench_switch_puts_each_responses_query_count_in_a_header(client, secretary):
    from django.conf import settings
    from django.test import Client, override_settings

    with override_settings(MIDDLEWARE=["phuthang.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]):
        client.force_login(secretary)
        response = client.get("/dashboard/me/")
    assert int(response.headers["X-Queries"]) > 5
    plain = Client()  # a new handler, with the settings' middleware: off unless PHUTHANG_BENCH=1
    plain.force_login(secretary)
    assert "X-Queries" not in plain.get("/dashboard/me/").headers
