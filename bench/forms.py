"""What a browser would post back from a page's form: its fields as they are drawn (no JavaScript)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in a:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                self._form.setdefault("buttons", []).append((name, a.get("value", "")))
            elif kind in {"checkbox", "radio"}:
                if "checked" in a:
                    fields.append((name, a.get("value", "on")))
            else:
                fields.append((name, a.get("value", "")))
        elif tag == "button" and name:
            self._form.setdefault("buttons", []).append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            fields.append([name, ""])
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = a.get("value")
            self._option = {"value": value, "text": ""}
            if "selected" in a and not self._select_chosen:
                self._select_chosen = True
                fields.append((self._select, value))
            elif self._select_first is None:
                self._select_first = value if value is not None else ""

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form:
            self._form["fields"][-1][1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea and self._form:
            value = self._form["fields"][-1][1]
            self._form["fields"][-1][1] = value[1:] if value.startswith("\n") else value  # as HTML drops it
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None and self._form is not None:
                self._form["fields"].append((self._select, self._select_first))
            self._select = None


def post_forms(html: str) -> list[dict]:
    """Every POST form of the page: {"action", "fields": [(name, value)…], "buttons": [(name, value)…]}."""
    parser = _Forms()
    parser.feed(html)
    return [
        {**form, "fields": [tuple(f) for f in form["fields"]]}
        for form in parser.forms
        if form["method"] == "post"
    ]
