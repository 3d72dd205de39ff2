"""The accountability cycle's models, one module per feature; import them from here."""
