"""Empty required fields get the page's own Vietnamese message: no form leaves them to the browser's bubble."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_every_form_with_fields_is_checked_by_the_server_not_the_browser():
    without = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in re.findall(r"<form\b[^>]*>", path.read_text()):
            if "novalidate" not in tag and path.name != "base.html":  # base: the logout and language buttons
                without.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert without == []


@pytest.mark.django_db
def test_an_empty_required_field_gets_the_pages_vietnamese_message(client, secretary):
    client.force_login(secretary)
    response = client.post("/shortcomings/new/", {"description": "", "plan": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["description"] == ["Trường này là bắt buộc."]
