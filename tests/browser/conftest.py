"""Browser tests run on a phone-sized window, in Vietnamese, like an elderly secretary's phone.

Chromium's launch arguments and the skip / CI-fail rule live in tests/conftest.py, for every browser test.
"""

from __future__ import annotations

from typing import Any

import pytest

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "locale": "vi-VN",
        "is_mobile": True,
        "has_touch": True,
    }
