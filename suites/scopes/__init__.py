"""Developer keys and scope restriction: the token endpoint, REST API scopes, LTI Advantage scopes (checks ``KEY-…``)."""

from . import checks as checks  # registers the KEY checks before the tests are collected
