"""What every document people download shares: text that XML can hold, and the moment it was made."""

from __future__ import annotations

import re

from django.utils import timezone

# XML 1.0 cannot hold these: C0 control characters other than tab, newline and carriage return, and the two
# non-characters. An old row typed before input refused them must still export.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the characters an XLSX or DOCX file cannot hold."""
    return _NOT_XML.sub("", text)


def exported_at() -> str:
    """Now in Vietnam time, as a document states it: 02/12/2026 17:40."""
    return f"{timezone.localtime():%d/%m/%Y %H:%M}"
