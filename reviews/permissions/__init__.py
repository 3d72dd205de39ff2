"""reviews permissions, one module per feature."""
