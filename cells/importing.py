"""Reading an office's member list (XLSX or CSV) and planning what importing it would do, writing nothing.

An uploaded file is hostile until read (docs/member-import.md): its size and its rows are capped, its kind
is told from its first bytes (never its name), an XLSX is opened read-only with formulas kept as formulas
(`data_only=False`) so that a formula is refused instead of trusted, and a zip whose parts would unpack
beyond a bound is refused before openpyxl opens it. A CSV is UTF-8 (with or without a BOM) or Windows-1258,
as old Vietnamese Excel writes it; either way the text is brought to NFC, so "Nguyễn" typed with combining
marks is the same name as the precomposed one.

`read_table` gives the header and the rows; `plan_rows` checks every row against the committee's cells and
members and says what confirming would do to each (new, update, unchanged), with every problem named by
row and column. The service (`cells.services.import_members`) runs the same plan again inside its
transaction and writes it, all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cells.models import Cell, Committee, Member
from phuthang import periods, safe_input, xlsx

# The template's columns, in order: the key each is read into, its title, and whether the file must have it.
COLUMNS: tuple[tuple[str, Promise, bool], ...] = (
    ("full_name", gettext_lazy("Full name"), True),
    ("gender", gettext_lazy("Gender"), True),
    ("birth_date", gettext_lazy("Birth date"), False),
    ("card_number", gettext_lazy("Party card number"), False),
    ("cell", gettext_lazy("Cell (code or name)"), True),
    ("admitted_on", gettext_lazy("Admitted on"), False),
    ("official_on", gettext_lazy("Official member since"), False),
    ("phone", gettext_lazy("Phone"), False),
    ("email", gettext_lazy("Email"), False),
)
KEYS = tuple(key for key, _title, _required in COLUMNS)
REQUIRED = tuple(key for key, _title, required in COLUMNS if required)
DATE_KEYS = ("birth_date", "admitted_on", "official_on")
UPDATABLE = (
    "full_name",
    "gender",
    "birth_date",
    "card_number",
    "admitted_on",
    "official_on",
    "phone",
    "email",
)
NUMBER_TITLES = ("stt", "no.", "tt", "số tt")  # the row-number column of xlsx.write_xlsx, read past
HEADER_SEARCH_ROWS = 10  # the header is the first of these rows that names known columns
MAX_COLUMNS = 60
MAX_CELL_TEXT = 1000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an XLSX part list summing beyond this is a zip bomb
CARD = re.compile(r"^\d{2}\.\d{6}$")
FIRST_BIRTH_YEAR = 1900
MAX_NAME = 120  # Member.full_name's max_length


def max_bytes() -> int:
    return int(settings.MEMBER_IMPORT_MAX_BYTES)


def max_rows() -> int:
    return int(settings.MEMBER_IMPORT_MAX_ROWS)


def title_of(key: str) -> str:
    return str(dict((k, t) for k, t, _r in COLUMNS)[key])


def normal(text: Any) -> str:
    """Text as it is compared: NFC, spaces collapsed, lower case."""
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split()).casefold()


def _titles_in_every_language(key: str) -> set[str]:
    title = dict((k, t) for k, t, _r in COLUMNS)[key]
    found = set()
    for language in ("vi", "en"):
        with translation.override(language):
            found.add(normal(str(title)))
    return found


def known_header(text: str) -> str | None:
    """The template key a header names (in Vietnamese or English), or None."""
    wanted = normal(text)
    for key in KEYS:
        if wanted in _titles_in_every_language(key):
            return key
    return None


def shape_of(header: Sequence[str]) -> str:
    """A fingerprint of a header row, under which an office's column mapping is remembered."""
    return hashlib.sha256("\x1f".join(normal(h) for h in header).encode()).hexdigest()


class Refused(ValidationError):
    """The file as a whole is refused (its kind, size, encoding, columns): no row is looked at."""


@dataclass
class Table:
    header: list[str]
    header_row: int  # the spreadsheet row number of the header (1-based)
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, values); a formula is a Formula
    kind: str  # "xlsx" or "csv"


@dataclass(frozen=True)
class Formula:
    text: str


def _refuse(message: str) -> Refused:
    return Refused(message, code="refused")


def _too_big() -> Refused:
    return _refuse(
        _("The file is larger than %(limit)d MB: split it into smaller files.")
        % {"limit": max(1, max_bytes() // (1024 * 1024))}
    )


def _too_many_rows() -> Refused:
    return _refuse(
        _("The file has more than %(limit)d rows: split it into smaller files.") % {"limit": max_rows()}
    )


def read_table(content: bytes) -> Table:
    """The file's header and rows, or Refused with a message saying why it cannot be read."""
    if len(content) > max_bytes():
        raise _too_big()
    if not content.strip():
        raise _refuse(_("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(
            _("This is an old Excel file (.xls). Open it in Excel and save it as .xlsx, or as CSV UTF-8.")
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(_("The file's encoding is UTF-16, which is not read here: save it as CSV UTF-8."))
    return _read_csv(content)


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _too_big()
            if "xl/workbook.xml" not in archive.namelist():
                raise _not_a_spreadsheet()
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Refused:
        raise
    except Exception as error:  # a damaged or foreign zip: openpyxl raises many kinds
        raise _not_a_spreadsheet() from error
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), 1):
            values: list[Any] = []
            for cell in cells:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=") and getattr(cell, "data_type", "") != "s"
                ):
                    values.append(Formula(str(value)))
                elif isinstance(value, str):
                    values.append(unicodedata.normalize("NFC", value[:MAX_CELL_TEXT]))
                else:
                    values.append(value)
            rows.append((number, values))
            if len(rows) > max_rows() + HEADER_SEARCH_ROWS:
                raise _too_many_rows()
    except Refused:
        raise
    except Exception as error:
        raise _not_a_spreadsheet() from error
    finally:
        book.close()
    return _table(rows, "xlsx")


def _not_a_spreadsheet() -> Refused:
    return _refuse(_("This file is not a spreadsheet: upload the template filled in, as .xlsx or .csv."))


def _decoded(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise _wrong_encoding() from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1258")
    except UnicodeDecodeError:
        raise _wrong_encoding() from None


def _wrong_encoding() -> Refused:
    return _refuse(
        _(
            "The file's characters cannot be read: it is neither UTF-8 nor Windows-1258. In Excel choose "
            "“Save as” → “CSV UTF-8”, or upload the .xlsx file."
        )
    )


def _read_csv(content: bytes) -> Table:
    if b"\x00" in content:
        raise _not_a_spreadsheet()
    text = unicodedata.normalize("NFC", _decoded(content))
    if safe_input.CONTROL_ONLY.search(text.replace("\x1a", "")):
        raise _not_a_spreadsheet()
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows: list[tuple[int, list[Any]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, values in enumerate(reader, 1):
            rows.append((number, [value[:MAX_CELL_TEXT] for value in values[:MAX_COLUMNS]]))
            if len(rows) > max_rows() + HEADER_SEARCH_ROWS:
                raise _too_many_rows()
    except csv.Error as error:
        raise _not_a_spreadsheet() from error
    return _table(rows, "csv")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _table(rows: list[tuple[int, list[Any]]], kind: str) -> Table:
    """The header is the first row (of the first few) naming a template column; the first row otherwise."""
    header_at = 0
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(known_header(_text(v)) for v in values if not isinstance(v, Formula)):
            header_at = index
            break
    if not rows:
        raise _refuse(_("The file is empty."))
    number, header_values = rows[header_at]
    header = [_text(v) if not isinstance(v, Formula) else "" for v in header_values]
    while header and not header[-1]:
        header.pop()
    data = [(n, values) for n, values in rows[header_at + 1 :] if any(_text(v) for v in values)]
    if not header:
        raise _refuse(_("The file has no header row: the first row must name the columns."))
    if len(data) > max_rows():
        raise _too_many_rows()
    return Table(header=header, header_row=number, rows=data, kind=kind)


def template_mapping(header: Sequence[str]) -> dict[str, int] | None:
    """Key → column index when every named column of the header is a template column; else None.

    Refused when it is the template's shape but a required column is missing, or one is there twice.
    """
    mapping: dict[str, int] = {}
    for index, title in enumerate(header):
        if not title or normal(title) in NUMBER_TITLES:
            continue
        key = known_header(title)
        if key is None:
            return None
        if key in mapping:
            raise _refuse(_("The column “%(column)s” is in the file twice.") % {"column": title})
        mapping[key] = index
    if not mapping:
        return None
    if missing := [title_of(key) for key in REQUIRED if key not in mapping]:
        raise _refuse(
            _("The file lacks the columns %(columns)s: use the template's columns.")
            % {"columns": ", ".join(f"“{m}”" for m in missing)}
        )
    return mapping


def checked_mapping(header: Sequence[str], chosen: dict[str, int | None]) -> dict[str, int]:
    """A mapping an office chose (key → column index, None for absent), or Refused."""
    mapping = {key: index for key, index in chosen.items() if index is not None and 0 <= index < len(header)}
    if missing := [title_of(key) for key in REQUIRED if key not in mapping]:
        raise _refuse(
            _("Choose the file's column for %(columns)s: these cannot be left out.")
            % {"columns": ", ".join(f"“{m}”" for m in missing)}
        )
    if [index for index, count in Counter(mapping.values()).items() if count > 1]:
        raise _refuse(_("Each column of the file can be chosen for one field only."))
    return mapping


# --- The plan


NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"


@dataclass
class RowPlan:
    number: int  # the spreadsheet row number the office sees
    values: dict[str, Any] = field(default_factory=dict)  # cleaned, by key
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column title, message)
    action: str = ""
    member: Member | None = None
    cell: Cell | None = None
    changes: list[str] = field(default_factory=list)  # the titles of the columns an update changes

    def problem(self, key: str, message: str) -> None:
        self.problems.append((title_of(key), message))

    @property
    def action_label(self) -> str:
        return {NEW: _("New member"), UPDATE: _("Update"), UNCHANGED: _("Unchanged")}.get(self.action, "")


@dataclass
class Plan:
    rows: list[RowPlan]

    @property
    def problems(self) -> list[RowPlan]:
        return [row for row in self.rows if row.problems]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action and not row.problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes_anything(self) -> bool:
        return self.ok and (self.count(NEW) + self.count(UPDATE)) > 0


def _date(row: RowPlan, key: str, raw: Any, today: dt.date) -> dt.date | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = _parsed_date(raw)
    if value is None:
        row.problem(key, _("“%(value)s” is not a date: write it as dd/mm/yyyy.") % {"value": _text(raw)[:40]})
        return None
    if value > today:
        row.problem(key, _("%(date)s is in the future.") % {"date": date_format(value, "SHORT_DATE_FORMAT")})
        return None
    if value.year < FIRST_BIRTH_YEAR:
        row.problem(
            key,
            _("%(date)s is too long ago to be right.") % {"date": date_format(value, "SHORT_DATE_FORMAT")},
        )
        return None
    return value


def _parsed_date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(_text(raw), pattern).date()
        except ValueError:
            continue
    return None


def _gender(raw: str) -> str | None:
    wanted = normal(raw)
    for choice, label in Member.Gender.choices:
        labels = {normal(choice)}
        for language in ("vi", "en"):
            with translation.override(language):
                labels.add(normal(str(label)))
        if wanted in labels:
            return str(choice)
    return None


def _clean_row(number: int, raw: dict[str, Any], today: dt.date) -> RowPlan:
    row = RowPlan(number=number)
    for key, value in raw.items():
        if isinstance(value, Formula):
            row.problem(
                key,
                _("The cell holds a formula (%(formula)s): write the value itself.")
                % {"formula": value.text[:40]},
            )
            raw[key] = None
        elif isinstance(value, str) and safe_input.HIDDEN.search(value):
            row.problem(key, _("The cell holds a hidden character: type the text again."))
            raw[key] = None
    values = row.values
    values["full_name"] = _text(raw.get("full_name"))
    if not values["full_name"]:
        row.problem("full_name", _("The name is empty."))
    elif len(values["full_name"]) > MAX_NAME:
        row.problem("full_name", _("The name is longer than 120 letters."))
    gender_text = _text(raw.get("gender"))
    values["gender"] = _gender(gender_text)
    if values["gender"] is None:
        row.problem(
            "gender", _("“%(value)s” is not a gender: write Nam or Nữ.") % {"value": gender_text[:20]}
        )
    for key in DATE_KEYS:
        values[key] = _date(row, key, raw.get(key), today)
    admitted, official = values["admitted_on"], values["official_on"]
    if admitted and official and official < admitted:
        row.problem("official_on", _("The official date is before the admission date."))
    birth = values["birth_date"]
    if birth and admitted and admitted < birth:
        row.problem("admitted_on", _("The admission date is before the birth date."))
    raw_card = raw.get("card_number")
    # a card typed into Excel as a number (12.3456 for 12.345600) is read back with its six decimals
    card = f"{raw_card:.6f}" if isinstance(raw_card, float) else _text(raw_card).replace(" ", "")
    if card and not CARD.fullmatch(card):
        row.problem(
            "card_number",
            _("“%(value)s” is not a party card number: it looks like 12.345678.") % {"value": card[:20]},
        )
    values["card_number"] = card or None
    values["cell"] = _text(raw.get("cell"))
    if not values["cell"]:
        row.problem("cell", _("The cell is empty."))
    values["phone"] = _text(raw.get("phone")).replace(" ", "").replace(".", "")
    if isinstance(raw.get("phone"), int | float) and len(values["phone"]) == 9:
        values["phone"] = "0" + values["phone"]  # typed into Excel as a number, its leading 0 dropped
    phone = values["phone"].lstrip("+")
    if phone and not (phone.isdigit() and 9 <= len(phone) <= 12):
        row.problem("phone", _("Enter a phone number of 9 to 12 digits, for example 0912345678."))
    values["email"] = _text(raw.get("email"))
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            row.problem("email", _("“%(value)s” is not an email address.") % {"value": values["email"][:60]})
    return row


@dataclass(frozen=True)
class Scope:
    """Where an import may write: a committee (office staff), or one cell of it (its secretary)."""

    committee: Committee
    cell: Cell | None = None


def _cells_by_name(scope: Scope) -> tuple[dict[str, Cell], dict[str, Cell]]:
    cells = list(Cell.objects.filter(committee=scope.committee).select_related("committee"))
    by_code = {normal(c.code): c for c in cells}
    names = Counter(normal(c.name) for c in cells)
    by_name = {normal(c.name): c for c in cells if names[normal(c.name)] == 1}
    return by_code, by_name


def plan_rows(table: Table, mapping: dict[str, int], scope: Scope, *, lock: bool = False) -> Plan:
    """What importing the table would do to each row, with every problem; reads, writes nothing."""
    today = periods.today()
    rows = []
    for number, values in table.rows:
        raw = {key: (values[index] if index < len(values) else None) for key, index in mapping.items()}
        rows.append(_clean_row(number, raw, today))
    by_code, by_name = _cells_by_name(scope)
    for row in rows:
        wanted = normal(row.values["cell"])
        row.cell = by_code.get(wanted) or by_name.get(wanted)
    unknown = {row.values["cell"] for row in rows if row.cell is None and row.values["cell"]}
    elsewhere: set[str] = set()
    if unknown:  # one query, for the names this committee does not have
        others = Cell.objects.exclude(committee=scope.committee).filter(
            Q(code__in=unknown) | Q(name__in=unknown)
        )
        elsewhere = {normal(value) for pair in others.values_list("code", "name") for value in pair}
    for row in rows:
        wanted = normal(row.values["cell"])
        if not wanted:
            continue
        if row.cell is None:
            if wanted in elsewhere:
                row.problem(
                    "cell",
                    _("The cell “%(cell)s” belongs to another committee.")
                    % {"cell": row.values["cell"][:60]},
                )
            else:
                row.problem(
                    "cell",
                    _("There is no cell “%(cell)s”: write its code or its name.")
                    % {"cell": row.values["cell"][:60]},
                )
        elif scope.cell is not None and row.cell.pk != scope.cell.pk:
            row.problem("cell", _("You may import only the members of %(cell)s.") % {"cell": scope.cell.name})
    cards = Counter(row.values["card_number"] for row in rows if row.values["card_number"])
    for row in rows:
        card = row.values["card_number"]
        if card and cards[card] > 1:
            repeats = [str(r.number) for r in rows if r.values["card_number"] == card and r is not row]
            row.problem(
                "card_number",
                _("The card number %(card)s is also on row(s) %(rows)s.")
                % {"card": card, "rows": ", ".join(repeats)},
            )
    _match(rows, scope, lock=lock)
    return Plan(rows)


def _match(rows: list[RowPlan], scope: Scope, *, lock: bool) -> None:
    members = Member.objects.select_related("cell__committee")
    if lock:
        members = members.select_for_update(of=("self",))
    card_list = [r.values["card_number"] for r in rows if r.values["card_number"]]
    by_card = {m.card_number: m for m in members.filter(card_number__in=card_list)}
    keys = [(r.values["full_name"], r.values["birth_date"]) for r in rows if r.values["birth_date"]]
    named: dict[tuple[str, dt.date | None], list[Member]] = {}
    if keys:
        names = {normal(name) for name, _birth in keys}
        births = {birth for _name, birth in keys}
        for m in members.filter(cell__committee=scope.committee, birth_date__in=births):
            if normal(m.full_name) in names:
                named.setdefault((normal(m.full_name), m.birth_date), []).append(m)
    claimed: dict[int, int] = {}
    for row in rows:
        card = row.values["card_number"]
        member = by_card.get(card) if card else None
        if member is None and row.values["birth_date"]:
            found = named.get((normal(row.values["full_name"]), row.values["birth_date"]), [])
            if len(found) > 1:
                row.problem(
                    "full_name", _("Several members have this name and birth date: write the card number.")
                )
                continue
            if found and found[0].card_number and card and found[0].card_number != card:
                row.problem(
                    "card_number",
                    _("The member with this name and birth date has the card number %(card)s.")
                    % {"card": found[0].card_number},
                )
                continue
            member = found[0] if found else None
        if member is not None:
            if member.cell.committee_id != scope.committee.pk:
                row.problem("card_number", _("This card number belongs to a member of another committee."))
                continue
            if member.pk in claimed:
                row.problem("full_name", _("Row %(row)d is the same member.") % {"row": claimed[member.pk]})
                continue
            claimed[member.pk] = row.number
            if scope.cell is not None and member.cell_id != scope.cell.pk:
                row.problem(
                    "cell", _("You may import only the members of %(cell)s.") % {"cell": scope.cell.name}
                )
                continue
            if row.cell is not None and member.cell_id != row.cell.pk:
                row.problem(
                    "cell",
                    _("The member is in %(cell)s: move them to another cell from their page (Transfer).")
                    % {"cell": member.cell.name},
                )
                continue
        row.member = member
        if row.problems:
            continue
        if member is None:
            row.action = NEW
            continue
        row.changes = [title_of(key) for key in UPDATABLE if _changes(member, key, row.values[key])]
        row.action = UPDATE if row.changes else UNCHANGED


def _changes(member: Member, key: str, value: Any) -> bool:
    """An empty cell keeps what is stored; a value changes it when it differs."""
    if value in (None, ""):
        return False
    return getattr(member, key) != value


def applied(row: RowPlan) -> dict[str, Any]:
    """The fields a row writes: every value for a new member, the changed ones for an update."""
    values = {key: row.values[key] for key in UPDATABLE}
    if row.action == NEW or row.member is None:
        return values
    return {key: value for key, value in values.items() if _changes(row.member, key, value)}


# --- The template and the export share one layout (phuthang.xlsx): title, filters, header on row 3.


def template_columns() -> list[xlsx.Column]:
    kinds = {key: xlsx.DATE for key in DATE_KEYS}
    return [xlsx.Column(str(title), kinds.get(key, xlsx.TEXT)) for key, title, _required in COLUMNS]


def member_row(member: Member) -> list[Any]:
    return [
        member.full_name,
        member.get_gender_display(),
        member.birth_date,
        member.card_number or "",
        member.cell.code,
        member.admitted_on,
        member.official_on,
        member.phone,
        member.email,
    ]


def template_xlsx(example_cell: Cell | None) -> bytes:
    example = [
        "Nguyễn Văn An",
        str(Member.Gender.MALE.label),
        dt.date(1975, 5, 19),
        "12.345678",
        example_cell.code if example_cell else "CB01",
        dt.date(2000, 3, 26),
        dt.date(2001, 3, 26),
        "0912345678",
        "",
    ]
    return xlsx.write_xlsx(
        sheet_name=_("Members"),
        title=_("Member list to import"),
        filters=_("an example row: replace it with your members"),
        columns=template_columns(),
        rows=[example],
    )


def members_xlsx(members: Iterable[Member], *, filters: str) -> bytes:
    return xlsx.write_xlsx(
        sheet_name=_("Members"),
        title=_("Member list"),
        filters=filters,
        columns=template_columns(),
        rows=(member_row(m) for m in members),
    )
