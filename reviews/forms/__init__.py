"""reviews forms, one module per feature."""
