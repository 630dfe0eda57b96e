"""Commons Graph: one linked-data graph for co-op directories, GLAMs and Wikidata."""

__version__ = "0.1.0"
