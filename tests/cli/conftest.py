from tests.incidents.helpers import gazetteer_cache, places, team  # noqa: F401
