"""Declarative mappings (TOML) and value tables (tables/*.csv); data, not code."""
