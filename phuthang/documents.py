"""What every document people download shares: text that XML can hold, and the moment it was made."""

from __future__ import annotations

import re

from django.utils import timezone

# XML 1.0 cannot hold C0 control characters other than tab, newline and carriage return, nor the two
# non-characters; a direction override or isolate (U+202A–U+202E, U+2066–U+2069) would print text other than
# it reads. Input refuses all of them (phuthang.safe_input); an old row typed before that must still export.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def xml_safe(text: str) -> str:
    """The text without the characters an XLSX or DOCX file cannot hold or would print reversed."""
    return _NOT_XML.sub("", text)


def exported_at() -> str:
    """Now in Vietnam time, as a document states it: 02/12/2026 17:40."""
    return f"{timezone.localtime():%d/%m/%Y %H:%M}"
