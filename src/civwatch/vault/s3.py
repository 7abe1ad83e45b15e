"""The S3 blob store: any S3-compatible object store (AWS, MinIO, Ceph, Garage) through boto3.

``s3://BUCKET/PREFIX?endpoint=URL`` (``endpoint`` left out for AWS itself; ``region`` and
``part_size`` optional). Credentials come from boto3's standard chain: the variables
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION`` (or an instance
role on AWS).

Layout in the bucket, beside the folder backend's::

    PREFIX/sha256/ab/cd/<hash>             the blobs, named only once their hash is known
    PREFIX/incoming/<host>/<pid>-<uuid>    uploads being written (multipart, then copied)

A blob no larger than one part is uploaded by one PUT straight to its final name once it
is hashed; a larger one is streamed as a multipart upload to a staging name (one part in
memory at a time), hashed on the way, then copied by the server to its final name and the
staging object deleted. A failure aborts the upload and deletes the staging object.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qsl, urlparse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from civwatch.errors import (
    CivwatchError,
    ConfigurationError,
    NotFoundError,
    RejectedInputError,
    StorageError,
)
from civwatch.i18n import _
from civwatch.vault.local import check_sha256, process_alive
from civwatch.vault.store import CHUNK_SIZE, BlobStore, StoredBlob

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DEFAULT_PART_SIZE = 8 * 1024 * 1024
MIN_PART_SIZE = 64 * 1024
#: Staging uploads of other machines (or of unknown writers) older than this are stale.
STALE_AFTER = timedelta(days=1)
#: Above this a copy is made by parts (a single server-side copy is limited to 5 GiB).
_SINGLE_COPY_LIMIT = 5 * 1024**3
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_REFUSED_CREDENTIALS = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "403",
}
_MISSING = {"NoSuchKey", "NotFound", "404"}


def _url_error(url: str, reason: str) -> ConfigurationError:
    parsed = urlparse(url)
    shown = parsed._replace(netloc=parsed.hostname or "").geturl()  # never a user:password
    return ConfigurationError(
        _(
            "Unusable object store URL %(url)s: %(reason)s "
            "Use s3://BUCKET/PREFIX?endpoint=https://host:port.",
            url=repr(shown),
            reason=reason,
        )
    )


class S3BlobStore(BlobStore):
    """Blobs as objects in an S3 bucket, one per SHA-256, under an optional prefix."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str | None = None,
        region: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        stale_after: timedelta = STALE_AFTER,
    ) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.endpoint = endpoint
        self.region = region
        self.part_size = part_size
        self.stale_after = stale_after
        self._client: S3Client | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        """The store for ``s3://BUCKET/PREFIX?endpoint=URL&region=R&part_size=N``."""
        parsed = urlparse(url)
        if parsed.username is not None or parsed.password is not None:
            raise _url_error(
                url,
                _(
                    "credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY."
                ),
            )
        bucket = parsed.netloc
        if not _BUCKET.match(bucket):
            raise _url_error(url, _("the bucket name is missing or not a valid bucket name."))
        options = dict(parse_qsl(parsed.query, keep_blank_values=True))
        unknown = sorted(set(options) - {"endpoint", "region", "part_size"})
        if unknown:
            raise _url_error(url, _("unknown option %(options)s.", options=", ".join(unknown)))
        endpoint = options.get("endpoint") or None
        if endpoint is not None:
            ep = urlparse(endpoint)
            if ep.scheme not in ("http", "https") or not ep.hostname:
                raise _url_error(url, _("the endpoint must be an http:// or https:// address."))
            if ep.username is not None or ep.password is not None:
                raise _url_error(
                    url,
                    _(
                        "credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and "
                        "AWS_SECRET_ACCESS_KEY."
                    ),
                )
        part_text = options.get("part_size", str(DEFAULT_PART_SIZE))
        if not part_text.isdigit() or int(part_text) < MIN_PART_SIZE:
            raise _url_error(
                url,
                _("part_size must be a number of bytes, at least %(min)s.", min=MIN_PART_SIZE),
            )
        return cls(
            bucket,
            parsed.path,
            endpoint=endpoint,
            region=options.get("region") or None,
            part_size=int(part_text),
        )

    # -- the connection and its errors ---------------------------------------------------
    @property
    def where(self) -> str:
        """The store as people name it in messages (never with a credential)."""
        return f"s3://{self.bucket}/{self.prefix} ({self.endpoint or 'AWS'})"

    @property
    def client(self) -> S3Client:
        with self._lock:
            if self._client is None:
                session = boto3.session.Session()
                config = Config(
                    connect_timeout=10,
                    read_timeout=60,
                    retries={"max_attempts": 3, "mode": "standard"},
                    # web downloads hold a connection while they stream
                    max_pool_connections=32,
                    # path-style addressing for MinIO, Garage and Ceph behind one host name
                    s3={"addressing_style": "path" if self.endpoint else "auto"},
                    # checksums only where S3 requires them: other stores refuse the newer
                    # default trailers; verify re-hashes every blob with SHA-256 anyway
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                )
                with self._translated():
                    self._client = session.client(
                        "s3",
                        endpoint_url=self.endpoint,
                        region_name=self.region or session.region_name or "us-east-1",
                        config=config,
                    )
            return self._client

    @contextlib.contextmanager
    def _translated(self, sha256: str | None = None) -> Iterator[None]:
        """Turn boto3's exceptions into civwatch errors with a message for people (never
        the secret key, never a traceback)."""
        try:
            yield
        except (NoCredentialsError, PartialCredentialsError):
            raise ConfigurationError(
                _(
                    "No credentials for the object store %(store)s: set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY.",
                    store=self.where,
                )
            ) from None
        except (
            EndpointConnectionError,
            ConnectTimeoutError,
            ReadTimeoutError,
            ConnectionClosedError,
        ):
            raise StorageError(
                _(
                    "The object store %(store)s cannot be reached: check its address and that "
                    "it is running.",
                    store=self.where,
                )
            ) from None
        except ClientError as exc:
            raise self._client_error(exc, sha256) from None
        except BotoCoreError as exc:
            raise StorageError(
                _(
                    "The object store %(store)s could not be used (%(error)s).",
                    store=self.where,
                    error=type(exc).__name__,
                )
            ) from None

    def _client_error(self, exc: ClientError, sha256: str | None) -> CivwatchError:
        error: dict[str, Any] = dict(exc.response.get("Error", {}))
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        if code == "NoSuchBucket":
            return self._missing_bucket()
        if code in _MISSING and sha256 is not None:
            return NotFoundError(_("Blob %(sha256)s is not in the vault.", sha256=sha256))
        if code in _REFUSED_CREDENTIALS:
            return ConfigurationError(
                _(
                    "The object store %(store)s refused access (%(code)s): check "
                    "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's permissions.",
                    store=self.where,
                    code=code,
                )
            )
        if code in ("PreconditionFailed", "412"):
            return StorageError(
                _(
                    "Blob %(sha256)s changed in the object store while it was being read.",
                    sha256=sha256 or "?",
                )
            )
        return StorageError(
            _(
                "The object store %(store)s answered %(code)s (HTTP %(status)s).",
                store=self.where,
                code=code or "?",
                status=status,
            )
        )

    def _missing_bucket(self) -> ConfigurationError:
        return ConfigurationError(
            _(
                "The bucket %(bucket)s does not exist in the object store %(store)s: "
                "create it first.",
                bucket=self.bucket,
                store=self.where,
            )
        )

    def translated_errors(self) -> contextlib.AbstractContextManager[None]:
        """boto3's exceptions as civwatch errors, for a caller (the backups' S3 target)
        that works on other objects of the bucket with :attr:`client`."""
        return self._translated()

    # -- names -----------------------------------------------------------------------------
    def object_key(self, sha256: str) -> str:
        """The key of blob ``sha256`` in the bucket."""
        return self._key(sha256)

    def _key(self, sha256: str) -> str:
        check_sha256(sha256)
        return f"{self.prefix}sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    @property
    def _staging_prefix(self) -> str:
        return f"{self.prefix}incoming/"

    def _staging_key(self) -> str:
        return f"{self._staging_prefix}{_host()}/{os.getpid()}-{uuid.uuid4().hex}"

    def _head(self, key: str, sha256: str | None = None) -> dict[str, Any] | None:
        """The object's headers, or None when it does not exist."""
        with self._translated(sha256):
            try:
                return dict(self.client.head_object(Bucket=self.bucket, Key=key))
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                    return None
                raise

    # -- the interface ---------------------------------------------------------------------
    def ensure(self) -> None:
        """Check that the bucket exists and the credentials open it (buckets are made by
        the store's administrator, never by civwatch)."""
        with self._translated():
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:  # a HEAD answers a bare 404, without NoSuchBucket
                if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                    raise self._missing_bucket() from None
                raise

    def put(self, source: BinaryIO, *, max_size: int) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        pending = bytearray()
        upload = _Upload(self)
        try:
            while chunk := source.read(CHUNK_SIZE):
                size += len(chunk)
                if size > max_size:
                    raise RejectedInputError(
                        _("larger than the %(max_size)s-byte limit per file", max_size=max_size)
                    )
                digest.update(chunk)
                pending += chunk
                while len(pending) >= self.part_size:
                    upload.add_part(bytes(pending[: self.part_size]))
                    del pending[: self.part_size]
            if size == 0:
                raise RejectedInputError(_("empty file (0 bytes)"))
            sha256 = digest.hexdigest()
            final = self._key(sha256)
            if self._head(final) is not None:
                upload.abort()
                return StoredBlob(sha256=sha256, size=size, created=False)
            if not upload.started:
                with self._translated():
                    self.client.put_object(Bucket=self.bucket, Key=final, Body=bytes(pending))
            else:
                if pending:
                    upload.add_part(bytes(pending))
                upload.complete_as(final)
            stored = self._head(final)
            if stored is None or int(stored["ContentLength"]) != size:
                raise StorageError(
                    _(
                        "The object store %(store)s did not keep blob %(sha256)s whole.",
                        store=self.where,
                        sha256=sha256,
                    )
                )
            return StoredBlob(sha256=sha256, size=size, created=True)
        except BaseException:
            upload.abort()
            raise

    def exists(self, sha256: str) -> bool:
        return self._head(self._key(sha256), sha256) is not None

    def open(self, sha256: str) -> BinaryIO:
        key = self._key(sha256)
        head = self._head(key, sha256)
        if head is None:
            raise NotFoundError(_("Blob %(sha256)s is not in the vault.", sha256=sha256))
        raw = _ObjectReader(self, key, sha256, int(head["ContentLength"]), str(head["ETag"]))
        return io.BufferedReader(raw, buffer_size=CHUNK_SIZE)

    def size(self, sha256: str) -> int:
        head = self._head(self._key(sha256), sha256)
        if head is None:
            raise NotFoundError(_("Blob %(sha256)s is not in the vault.", sha256=sha256))
        return int(head["ContentLength"])

    def local_path(self, sha256: str) -> None:
        return None

    def iter_hashes(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}sha256/"
        )
        with self._translated():
            for page in pages:
                for entry in page.get("Contents", []):
                    name = entry["Key"].rsplit("/", 1)[-1]
                    if _HEX64.match(name) and entry["Key"] == self._key(name):
                        yield name

    def clean_incomplete(self) -> int:
        """Abort the multipart uploads and delete the staging objects of writers that died:
        those of a process of this machine that no longer runs, and those of other machines
        older than ``stale_after``. Returns how many."""
        removed = 0
        client = self.client
        with self._translated():
            uploads = client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self._staging_prefix
            )
            for upage in uploads:
                for up in upage.get("Uploads", []):
                    if self._stale(up["Key"], up["Initiated"]):
                        with contextlib.suppress(ClientError):
                            client.abort_multipart_upload(
                                Bucket=self.bucket, Key=up["Key"], UploadId=up["UploadId"]
                            )
                        removed += 1
            objects = client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._staging_prefix
            )
            for page in objects:
                for entry in page.get("Contents", []):
                    if self._stale(entry["Key"], entry["LastModified"]):
                        client.delete_object(Bucket=self.bucket, Key=entry["Key"])
                        removed += 1
        return removed

    def _stale(self, key: str, since: datetime) -> bool:
        """A writer of this machine: stale when its process is gone, never while it runs.
        Another machine's (whose processes cannot be seen from here): when older than
        ``stale_after``."""
        host, _sep, name = key.removeprefix(self._staging_prefix).partition("/")
        pid = name.split("-", 1)[0]
        if host == _host() and pid.isdigit():
            return not process_alive(int(pid))
        return datetime.now(UTC) - since >= self.stale_after


def _host() -> str:
    """This machine's name as it appears in staging names."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "host"


class _Upload:
    """One multipart upload to a staging name, started at its first part."""

    def __init__(self, store: S3BlobStore) -> None:
        self.store = store
        self.key = ""
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.staged = False  # the staging object exists (completed, not yet deleted)

    @property
    def started(self) -> bool:
        return self.upload_id is not None

    def add_part(self, data: bytes) -> None:
        s = self.store
        with s._translated():
            if self.upload_id is None:
                self.key = s._staging_key()
                self.upload_id = s.client.create_multipart_upload(Bucket=s.bucket, Key=self.key)[
                    "UploadId"
                ]
            number = len(self.parts) + 1
            answer = s.client.upload_part(
                Bucket=s.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=data,
            )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def complete_as(self, final: str) -> None:
        """Make the staging object, copy it to ``final`` in the store, delete it."""
        s = self.store
        assert self.upload_id is not None
        with s._translated():
            s.client.complete_multipart_upload(
                Bucket=s.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},  # type: ignore[typeddict-item]
            )
            self.upload_id = None
            self.staged = True
            s.client.copy(
                {"Bucket": s.bucket, "Key": self.key},
                s.bucket,
                final,
                Config=TransferConfig(
                    multipart_threshold=_SINGLE_COPY_LIMIT, multipart_chunksize=512 * 1024**2
                ),
            )
            s.client.delete_object(Bucket=s.bucket, Key=self.key)
            self.staged = False

    def abort(self) -> None:
        """Leave nothing behind (called on every failure; never raises)."""
        s = self.store
        with contextlib.suppress(CivwatchError, ClientError, BotoCoreError), s._translated():
            if self.upload_id is not None:
                s.client.abort_multipart_upload(
                    Bucket=s.bucket, Key=self.key, UploadId=self.upload_id
                )
                self.upload_id = None
            if self.staged:
                s.client.delete_object(Bucket=s.bucket, Key=self.key)
                self.staged = False


class _ObjectReader(io.RawIOBase):
    """An object read as a stream: one GET from the current position onwards, reopened
    after a seek; every GET asks for the same version (``If-Match`` its ETag)."""

    def __init__(self, store: S3BlobStore, key: str, sha256: str, size: int, etag: str) -> None:
        self.store = store
        self.key = key
        self.sha256 = sha256
        self.length = size
        self.etag = etag
        self.pos = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.length}[whence]
        target = max(0, base + offset)
        if target != self.pos:
            self._drop()
            self.pos = target
        return self.pos

    def readinto(self, buffer: Any) -> int:
        if self.pos >= self.length:
            return 0
        view = memoryview(buffer).cast("B")
        s = self.store
        with s._translated(self.sha256):
            if self._body is None:
                self._body = s.client.get_object(
                    Bucket=s.bucket, Key=self.key, Range=f"bytes={self.pos}-", IfMatch=self.etag
                )["Body"]
            data = self._body.read(len(view))
        if not data:
            raise StorageError(
                _(
                    "Blob %(sha256)s ended early in the object store (%(got)s of %(size)s bytes).",
                    sha256=self.sha256,
                    got=self.pos,
                    size=self.length,
                )
            )
        view[: len(data)] = data
        self.pos += len(data)
        return len(data)

    def _drop(self) -> None:
        if self._body is not None:
            with contextlib.suppress(Exception):
                self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop()
        super().close()
