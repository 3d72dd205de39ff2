"""`manage.py bench_import` runs its steps on a small file and leaves nothing behind (no timing asserted)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cells.models import Committee, Member, MemberImport


@pytest.mark.parametrize("kind", [[], ["--xlsx"]])
def test_the_import_benchmark_reports_its_steps_and_rolls_back(db, kind):
    out = io.StringIO()
    call_command("bench_import", "--rows", "30", *kind, stdout=out)
    assert "members added: 30" in out.getvalue() and "rolled back" in out.getvalue()
    assert not (Member.objects.exists() or MemberImport.objects.exists() or Committee.objects.exists())
