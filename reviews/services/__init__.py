"""reviews services, one module per feature."""
