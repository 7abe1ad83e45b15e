"""The deployment test's fixtures: the tests' S3 API server (tests/support/s3_server.py)."""

from tests.support.s3_server import s3_blob_url_factory, s3_server  # noqa: F401
