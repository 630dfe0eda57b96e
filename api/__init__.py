"""The HTTP API: a SPARQL 1.1 Protocol endpoint over the shared graph, fit for the open internet.

Assembly is in :mod:`api.app`; one router per resource lives in :mod:`api.routers`.
"""
