"""The one input rule of phuthang.safe_input: every form uses it, and it reads as the docs say."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import pytest
from django import forms
from django.urls import get_resolver

from phuthang import periods, safe_input
from phuthang.documents import xml_safe

PROJECT = ("cells", "reviews", "phuthang")


def _import_everything() -> None:
    for package in PROJECT:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name and ".management" not in info.name:
                importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_form_of_the_project_cleans_its_input_by_the_one_rule():
    _import_everything()
    ours = {cls for cls in _subclasses(forms.BaseForm) if cls.__module__.split(".")[0] in PROJECT}
    assert len(ours) > 15
    missing = sorted(cls.__qualname__ for cls in ours if not issubclass(cls, safe_input.CleanInput))
    assert not missing, f"these forms must derive from safe_input.Form or safe_input.ModelForm: {missing}"


def test_no_url_takes_an_unbounded_integer():
    def routes(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if hasattr(p, "url_patterns"):
                if not route.startswith("admin/"):
                    yield from routes(p.url_patterns, route)
            else:
                yield route

    unbounded = [route for route in routes(get_resolver().url_patterns) if "<int:" in route]
    assert not unbounded, f"use <id:…> (at most 18 digits) instead of <int:…>: {unbounded}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),
        ("9" * 5000, None),
        ("-1", None),
        ("١٢", None),
        ("1e3", None),
        ("", None),
        (None, None),
        ("\x00", None),
    ],
)
def test_an_id_is_up_to_18_ascii_digits(text, expected):
    assert safe_input.parse_id(text) == expected


@pytest.mark.parametrize(
    "text",
    ["0001-01", "9999-12", "1999-12", "2026-13", "2026-0", "99999999999-01", "2026-1-1", "２０２６-01"],
)
def test_a_month_outside_2000_to_five_years_ahead_is_no_month(text):
    assert periods.parse_month(text) is None


def test_the_months_at_both_ends_of_the_range_are_months():
    last = periods.today().year + 5
    assert periods.parse_month("2000-01") == dt.date(2000, 1, 1)
    assert periods.parse_month(f"{last}-12") == dt.date(last, 12, 1)


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x0b", "\x1f", "\x7f", "\x85", "\u202a", "\u202e", "\u2066", "\u2069"]
)
def test_a_hidden_character_is_refused_in_any_text_field(char):
    class Sample(safe_input.Form):
        note = forms.CharField(label="Ghi chú")

    form = Sample({"note": f"a{char}b"})
    assert not form.is_valid()
    assert "Ghi chú" in form.errors["note"][0]


def test_tab_newline_and_vietnamese_text_are_kept():
    class Sample(safe_input.Form):
        note = forms.CharField()

    form = Sample({"note": "Đồng chí\tNguyễn\r\nVăn Ấn — “ý kiến”"})
    assert form.is_valid(), form.errors


def test_exports_drop_hidden_characters_from_old_rows():
    assert xml_safe("a\x01b\u202ec\u2066d\x7fe\tf\ng") == "abcde\tf\ng"
