from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_bench_pages_opens_every_main_page_of_the_demo_ward_without_an_error() -> None:
    call_command("seed_demo", force=True, stdout=StringIO())
    out = StringIO()
    call_command("bench_pages", repeat=1, stdout=out)
    rows = out.getvalue().splitlines()[1:]
    assert len(rows) >= 12
    assert all(row.split()[1] == "200" for row in rows), out.getvalue()
