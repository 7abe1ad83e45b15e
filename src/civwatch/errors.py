"""Errors that carry a message written for the person using civwatch.

Domain and engine code raises these; the web layer maps them to RFC 9457 problem
documents and the command line to a one-line red message with a non-zero exit.
"""

from __future__ import annotations


class CivwatchError(Exception):
    """Base of every error civwatch reports to a user. ``str(err)`` is the user's message."""

    #: HTTP status the web layer answers with.
    status_code: int = 400
    #: Short, stable slug used in problem ``type`` URIs.
    kind: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(CivwatchError):
    """The settings or the data folder are not usable."""

    status_code = 500
    kind = "configuration"


class ToolMissingError(ConfigurationError):
    """An external program (exiftool, ffprobe, ffmpeg) the settings name cannot be run."""


class NotInitialisedError(ConfigurationError):
    """The data folder has not been created with ``civwatch init``."""

    kind = "not-initialised"


class NotFoundError(CivwatchError):
    """The thing asked for does not exist."""

    status_code = 404
    kind = "not-found"


class RecordNotFoundError(NotFoundError):
    """A record does not exist, or lies outside what the caller may know of: both answer
    the same, so that a refusal never tells that a record exists (the protection desk's
    need to know)."""


class RejectedInputError(CivwatchError):
    """Input from outside that cannot be accepted (empty, too large, unsafe)."""

    status_code = 422
    kind = "rejected-input"


class StorageFullError(CivwatchError):
    """Writing would take the disk below its configured free-space guard."""

    status_code = 507
    kind = "storage-full"


class StorageError(CivwatchError):
    """The blob store (an object store over the network) cannot be used right now."""

    status_code = 503
    kind = "storage"


class IntegrityError(CivwatchError):
    """Stored data does not match what was recorded: a sign of damage or tampering."""

    status_code = 500
    kind = "integrity"


class EntryLayoutError(CivwatchError):
    """A custody entry about to be written does not fit the layout its act declares (a
    fault in civwatch, never in what a user gave)."""

    status_code = 500
    kind = "custody-entry-layout"


class ProofError(CivwatchError):
    """A Merkle proof does not verify, or cannot be produced for the given sizes."""

    kind = "proof"


class UnhashableMediaError(RejectedInputError):
    """A file cannot be given a perceptual hash (undecodable, blank, too small, no frames).

    The file may still be kept as evidence; ``str(err)`` is the reason to record.
    """

    kind = "unhashable-media"


class PermissionDeniedError(CivwatchError):
    """The acting user is unknown, disabled, or lacks the role an act needs."""

    status_code = 403
    kind = "permission-denied"


class DeskKeyMismatchError(PermissionDeniedError):
    """The passphrase or key file given for the protection desk is not the desk's."""

    kind = "desk-key-mismatch"


class ConflictError(CivwatchError):
    """The thing changed since the caller read it (e.g. a stale incident revision)."""

    status_code = 409
    kind = "conflict"


class NotAuthenticatedError(CivwatchError):
    """The request carries no valid sign-in (session cookie or API token)."""

    status_code = 401
    kind = "not-authenticated"


class TooManyAttemptsError(CivwatchError):
    """Too many failed sign-ins: the account or the client must wait."""

    status_code = 429
    kind = "too-many-attempts"


class DecryptionError(CivwatchError):
    """A protected value cannot be opened: altered, truncated, moved to another record or
    field, or the key is wrong. The message never carries any of the data."""

    status_code = 500
    kind = "decryption"


class KeyFileError(ConfigurationError):
    """The protection desk's key file is missing, unreadable, not a key, or readable by
    others than its owner."""

    kind = "key-file"


class WeakPassphraseError(RejectedInputError):
    """A passphrase for the protection desk is too weak to derive its key from."""

    kind = "weak-passphrase"


class InvalidPhoneError(RejectedInputError):
    """A phone number that cannot exist (wrong length, unknown country code, not a number)."""

    kind = "invalid-phone"


class InvalidRecipientError(RejectedInputError):
    """A public encryption key (an age recipient ``age1...``) that is not valid."""

    kind = "invalid-recipient"


class DeskLockedError(CivwatchError):
    """The protection desk is locked: its key is not in memory until a lead unlocks it."""

    status_code = 423
    kind = "desk-locked"


class DeskNotInitialisedError(CivwatchError):
    """The protection desk has not been set up (``civwatch protect init``)."""

    status_code = 409
    kind = "desk-not-initialised"


class ConsentMissingError(CivwatchError):
    """An act on a person at risk needs a consent they have not given (or have revoked)."""

    status_code = 409
    kind = "consent-missing"
