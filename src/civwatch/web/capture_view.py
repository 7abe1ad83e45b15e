"""A capture job's result as the job's page shows it, in the reader's language."""

from __future__ import annotations

from typing import Any

from civwatch.i18n import localise
from civwatch.intake.capture import message_from_doc


def capture_warnings(capture: dict[str, Any]) -> list[str]:
    """A capture's warnings in the reader's language (in English where a capture made
    before its warnings were kept as messages has only those)."""
    messages = capture.get("warning_messages") or []
    if messages:
        return [localise(message_from_doc(m)) for m in messages]
    return list(capture.get("warnings") or [])


def capture_context(job: dict[str, Any]) -> dict[str, Any]:
    """For ``job.html``: ``capture`` (the captured page, if the job is a finished
    capture), ``capture_warnings`` and ``job_error`` (why a capture failed), translated."""
    result = job.get("result") or {}
    capture = result.get("capture")
    error = result.get("error")
    return {
        "capture": capture,
        "capture_warnings": capture_warnings(capture or {}),
        "job_error": localise(message_from_doc(error))
        if error and job["state"] == "failed"
        else None,
    }
