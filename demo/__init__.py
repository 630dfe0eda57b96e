"""Bundled demo samples, small files written for this project in each real format."""
