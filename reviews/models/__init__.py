"""The accountability cycle's models, one module per feature; import them from here."""

from reviews.models.rules import Rule

__all__ = ["Rule"]
