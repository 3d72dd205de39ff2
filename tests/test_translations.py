"""locale/vi is complete: every user-facing message has a Vietnamese translation, and the .mo is current."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

SOURCES = ["phuthang", "cells", "reviews", "templates"]
PO = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")


def test_every_message_in_the_code_has_a_vietnamese_translation(tmp_path: Path) -> None:
    for name in SOURCES:
        shutil.copytree(
            Path(settings.BASE_DIR) / name, tmp_path / name, ignore=shutil.ignore_patterns("data")
        )
    shutil.copytree(PO.parent.parent.parent, tmp_path / "locale")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
            call_command("makemessages", locale=["vi"], no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
    catalog = polib.pofile(str(tmp_path / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in catalog if not entry.translated() and not entry.obsolete]
    assert not missing, f"{len(missing)} messages have no Vietnamese translation, e.g. {missing[:10]}"


def test_the_compiled_catalog_matches_the_translations() -> None:
    stale = []
    with translation.override("vi"):
        for entry in polib.pofile(str(PO)):
            if entry.msgid_plural or entry.msgctxt or entry.obsolete or not entry.translated():
                continue
            if translation.gettext(entry.msgid) != entry.msgstr:
                stale.append(entry.msgid)
    assert not stale, f"run `manage.py compilemessages`: {len(stale)} stale messages, e.g. {stale[:5]}"


def test_pages_speak_vietnamese_by_default(client) -> None:
    response = client.get("/accounts/login/")
    assert "Đăng nhập" in response.content.decode()
