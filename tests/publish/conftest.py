"""Fixtures for the publishing tests: the team of users and the gazetteer built once."""

from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
