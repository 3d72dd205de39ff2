"""Database constraint errors as messages, by the constraint's name: each message is kept beside its
constraint (`violation_error_message` in the model's Meta), never found by searching the error's text.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Model


def constraint_name(error: IntegrityError) -> str | None:
    """The name PostgreSQL reports for the violated constraint (psycopg's diagnostics), if any."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def constraint_error(error: IntegrityError, *models: type[Model]) -> ValidationError:
    """The ValidationError the violated constraint of one of `models` states; the IntegrityError itself is
    raised again for a constraint with no message of its own (a bug, not the user's input).
    """
    name = constraint_name(error)
    for model in models:
        for constraint in model._meta.constraints:
            own = constraint.violation_error_message != constraint.default_violation_error_message
            if constraint.name == name and own:
                return ValidationError(constraint.get_violation_error_message(), code=name)
    raise error
