"""The W3C SPARQL test suites, run through the HTTP app (not the library): see runner.py."""
