"""Loaders: one module per source format, behind one registry (loaders.registry)."""
