"""Dates are written from the project's format file (phuthang/formats), not spelt out page by page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# A date or time filter given a literal d/m/Y, m/Y or H:i where the format file already names it.
HARD_CODED = re.compile(r"""\|(date|time):["'](d/m/Y|d/m/Y H:i|m/Y|H:i)["']""")


def test_no_template_spells_out_a_format_the_format_file_names():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.*"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HARD_CODED.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_named_formats_write_dates_day_first_in_both_languages(language):
    template = engines["django"].from_string(
        '{{ day|date:"SHORT_DATE_FORMAT" }} {{ at|date:"SHORT_DATETIME_FORMAT" }} '
        '{{ day|date:"YEAR_MONTH_FORMAT" }} {{ at|time:"TIME_FORMAT" }}'
    )
    at = dt.datetime(2026, 11, 26, 7, 30, tzinfo=dt.UTC)  # 14:30 in Vietnam

    with translation.override(language):
        text = template.render({"day": dt.date(2026, 11, 26), "at": at})

    assert text == "26/11/2026 26/11/2026 14:30 11/2026 14:30"
