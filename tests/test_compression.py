"""Pages go out gzipped to a browser that accepts it, with the CSRF token masked afresh in each response
(BREACH, docs/security.md "Compression"); static files are precompressed with gzip and brotli."""

from __future__ import annotations

import gzip
import re

from django.conf import settings
from whitenoise.compress import Compressor


def test_a_page_is_gzipped_for_a_browser_that_accepts_it(client, secretary):
    client.force_login(secretary)
    plain = client.get("/meetings/attendance/")
    packed = client.get("/meetings/attendance/", headers={"accept-encoding": "gzip, br"})

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    body = gzip.decompress(packed.content).decode()
    assert "<html" in body
    assert len(packed.content) * 2 < len(plain.content)


def test_every_response_carries_a_differently_masked_csrf_token(client, secretary):
    client.force_login(secretary)
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/meetings/attendance/").text)[1]
        for _ in range(2)
    ]
    assert tokens[0] != tokens[1]


def test_gzip_sits_below_whitenoise_and_above_what_writes_pages():
    order = settings.MIDDLEWARE
    gzip_at = order.index("django.middleware.gzip.GZipMiddleware")
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < gzip_at
    assert gzip_at < order.index("django.middleware.csrf.CsrfViewMiddleware")


def test_collectstatic_writes_brotli_copies_beside_the_gzip_ones(tmp_path):
    """whitenoise's storage compresses with what is installed: brotli must be."""
    css = tmp_path / "site.css"
    css.write_text("body { color: #222; } " * 200)
    written = list(Compressor(quiet=True).compress(str(css)))
    assert sorted(p.rsplit(".", 1)[1] for p in written) == ["br", "gz"]
