"""An embedded PostgreSQL for machines with no DATABASE_URL: started from the pgserver wheel."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

log = logging.getLogger(__name__)


def database_url(data_dir: Path) -> str:
    """Start (or reuse) the PostgreSQL server whose data lives in data_dir and return its URL.

    The server keeps running after this process exits, so the next command reuses it in milliseconds.
    """
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent))
    # pgserver narrates every start at INFO, and again from an atexit hook after pytest has closed the
    # stream that logging writes to; its warnings and errors still show.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs' runtime-dir notice on root shells
        import pgserver  # here, not at the top: only without DATABASE_URL, and inside this filter

        server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()
