"""locale/vi is complete: every user-facing message has a Vietnamese translation, and the .mo is current."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import django
import django_celery_beat
import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

SOURCES = ["phuthang", "accounts", "cells", "reviews", "templates"]
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


# --- The packages' strings: Django's vi catalogue lacks some, django-celery-beat ships no vi at all.
# locale_packages/vi holds the missing ones; these tests fail when an upgrade brings a new one.

PACKAGES_PO = Path(settings.BASE_DIR) / "locale_packages" / "vi" / "LC_MESSAGES"
DJANGO_DIR = Path(django.__file__).parent
DJANGO_CATALOGS = [  # (catalogue of the English source strings, its domain)
    (DJANGO_DIR / "contrib" / "admin" / "locale" / "en" / "LC_MESSAGES" / "django.po", "django"),
    (DJANGO_DIR / "contrib" / "auth" / "locale" / "en" / "LC_MESSAGES" / "django.po", "django"),
    (DJANGO_DIR / "contrib" / "contenttypes" / "locale" / "en" / "LC_MESSAGES" / "django.po", "django"),
    (DJANGO_DIR / "contrib" / "admin" / "locale" / "en" / "LC_MESSAGES" / "djangojs.po", "djangojs"),
]


SAME_IN_VIETNAMESE = {"Email", "%(class_name)s %(instance)s"}


def untranslated(entries: list[polib.POEntry], domain: str) -> list[str]:
    """The msgids that read the same in Vietnamese as in English, through every catalogue the site uses."""
    catalog = DjangoTranslation("vi", domain=domain)
    if domain == "djangojs":  # what the admin's JavaScript catalogue merges: the admin's own, then ours
        catalog = DjangoTranslation(
            "vi", domain=domain, localedirs=[DJANGO_DIR / "contrib" / "admin" / "locale"]
        )
    missing = []
    for entry in entries:
        if entry.obsolete or not entry.msgid or entry.msgid in SAME_IN_VIETNAMESE:
            continue
        if entry.msgid_plural:
            found = catalog.ngettext(entry.msgid, entry.msgid_plural, 1)
        elif entry.msgctxt:
            found = catalog.pgettext(entry.msgctxt, entry.msgid)
        else:
            found = catalog.gettext(entry.msgid)
        if found == entry.msgid:
            missing.append(entry.msgid)
    return missing


@pytest.mark.parametrize("source, domain", DJANGO_CATALOGS, ids=lambda v: str(v).split("django/")[-1])
def test_every_string_of_the_django_admin_has_a_vietnamese_translation(source: Path, domain: str) -> None:
    missing = untranslated(polib.pofile(str(source)), domain)
    assert not missing, f"add them to {PACKAGES_PO}/{domain}.po: {missing[:10]}"


def test_every_string_of_django_celery_beat_has_a_vietnamese_translation(tmp_path: Path) -> None:
    package = Path(django_celery_beat.__file__).parent
    shutil.copytree(package, tmp_path / "django_celery_beat", ignore=shutil.ignore_patterns("locale"))
    (tmp_path / "django_celery_beat" / "locale").mkdir()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        call_command("makemessages", locale=["vi"], no_location=True, verbosity=0)
    finally:
        os.chdir(cwd)
    source = polib.pofile(
        str(tmp_path / "django_celery_beat" / "locale" / "vi" / "LC_MESSAGES" / "django.po")
    )

    assert len(source) > 100  # makemessages found the package's strings
    missing = untranslated(source, "django")
    assert not missing, f"add them to {PACKAGES_PO}/django.po: {missing[:10]}"


def test_the_compiled_package_catalogs_match_their_translations() -> None:
    stale = []
    for domain in ("django", "djangojs"):
        catalog = DjangoTranslation("vi", domain=domain)  # both see LOCALE_PATHS, so locale_packages
        for entry in polib.pofile(str(PACKAGES_PO / f"{domain}.po")):
            if entry.msgid_plural or entry.msgctxt:
                continue
            if catalog.gettext(entry.msgid) != entry.msgstr:
                stale.append(entry.msgid)
    assert not stale, f"run `manage.py compilemessages`: {len(stale)} stale messages, e.g. {stale[:5]}"
