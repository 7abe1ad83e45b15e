"""Settings, read once from the environment (prefix ``CIVWATCH_``) or given explicitly.

No other module reads the environment: they take a :class:`Settings`.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from civwatch.errors import ConfigurationError
from civwatch.i18n import _

GIB = 1024**3
#: Absolute links point here while no ``public_base_url`` is set: where ``civwatch serve``
#: answers by default. Never taken from a request (its Host header is the client's word).
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"


#: The default pixel limit of ``Settings.max_image_pixels``: the one place it is spelled.
DEFAULT_MAX_IMAGE_PIXELS = 200_000_000


class Settings(BaseSettings):
    """Where civwatch keeps its data and the limits it enforces."""

    model_config = SettingsConfigDict(env_prefix="CIVWATCH_", extra="ignore")

    data_dir: Path = Field(
        default=Path("civwatch-data"),
        description="Folder holding the database, the blob vault and the signing key.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: SQLite file civwatch.db in the data folder.",
    )
    blob_url: str | None = Field(
        default=None,
        description="Where evidence blobs live; default: folder 'vault' in the data folder.",
    )
    queue_url: str | None = Field(
        default=None,
        description="Task queue store; default: SQLite file queue.db in the data folder.",
    )
    max_file_size: int = Field(default=4 * GIB, ge=1, description="Largest file accepted, bytes.")
    min_free_disk: int = Field(
        default=1 * GIB,
        ge=0,
        description="Refuse to store a blob that would leave less free disk than this, bytes.",
    )
    exiftool_path: str = Field(default="exiftool", description="The exiftool executable.")
    ffprobe_path: str = Field(default="ffprobe", description="The ffprobe executable.")
    ffmpeg_path: str = Field(
        default="ffmpeg", description="The ffmpeg executable (video previews, hashes, redaction)."
    )
    extractor_timeout_s: float = Field(
        default=30.0, gt=0, description="Seconds one file may take in exiftool or ffprobe."
    )
    max_image_pixels: int = Field(
        default=DEFAULT_MAX_IMAGE_PIXELS,
        ge=1,
        description="Images declaring more pixels than this are never decoded in full.",
    )
    map_tile_url: str = Field(
        default="",
        description="Map tile URL template ({z}/{x}/{y}), e.g. a tile server on your network; "
        "empty: markers on a plain background (works offline).",
    )
    map_tile_attribution: str = Field(
        default="", description="Credit line the tile provider asks for (shown on maps)."
    )
    map_pmtiles_path: Path | None = Field(
        default=None,
        description="A PMTiles archive of vector map tiles (e.g. a Protomaps extract of "
        "Ukraine) that civwatch serves itself and draws instead of the offline basemap; "
        "empty: the offline basemap (or the tile URL, when one is set).",
    )
    organisation_name: str = Field(
        default="civwatch", description="Who publishes: shown on public pages and share cards."
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="Reverse proxies in front of civwatch whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are believed: IP addresses or networks, comma-separated "
        "(e.g. 127.0.0.1 or 10.0.0.0/8); empty: none, the connecting address is the client.",
    )

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network: name each reverse proxy by "
                    "its address, e.g. 127.0.0.1 or 10.0.0.0/8, separated by commas."
                ) from None
        return ",".join(items)

    token: SecretStr | None = Field(
        default=None,
        description="An API token: the command line acts as its user (CIVWATCH_TOKEN).",
    )

    max_request_body: int = Field(
        default=1024 * 1024,
        ge=1,
        description="Largest request body the web server reads (JSON and forms), bytes; "
        "uploads are limited per file by max_file_size instead.",
    )
    public_base_url: str = Field(
        default="",
        description="The public site's address as readers reach it (scheme and host, e.g. "
        "https://incidents.example.org): absolute links in feeds and share tags use it, "
        "never the Host header of a request. Empty: relative links where the format "
        "allows, and http://127.0.0.1:8000 where it needs an absolute one.",
    )

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "public_base_url must be an http:// or https:// address with a host name."
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("public_base_url must be a plain address: no user, query or fragment.")
        return value

    relief_two_approvers_from_eur: Decimal = Field(
        default=Decimal(1000),
        gt=0,
        description="A relief grant of this many euros or more needs two approvers "
        "(below it, one).",
    )
    relief_release_from_eur: Decimal = Field(
        default=Decimal(5000),
        gt=0,
        description="A relief grant of this many euros or more also needs finance to "
        "release it before it is paid.",
    )
    relief_coalition_key_file: Path | None = Field(
        default=None,
        description="A file holding the key the relief fund's partner coalition shares (at "
        "least 32 random bytes, or their hex), for the keyed hashes of the people helped "
        "(`civwatch relief partners`). Kept outside the data folder; never logged.",
    )
    relief_cap_eur: Decimal = Field(
        default=Decimal(10000),
        gt=0,
        description="The most the relief fund grants one person in 12 months, euros.",
    )

    default_language: str = Field(
        default="uk",
        description="Language of the public site (and every page) for a reader who chose "
        "none and whose browser asks for none civwatch has: a code with a catalogue in "
        "civwatch/locale (uk, en).",
    )
    team_default_language: str = Field(
        default="",
        description="The same for the team's pages (sign-in, inbox, incidents, admin), e.g. "
        "en for an international team; empty: default_language.",
    )

    language: str = Field(
        default="",
        description="Language of the command line's messages (uk, en); empty: the POSIX "
        "locale's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English. `civwatch --lang` "
        "overrides it for one command.",
    )

    @field_validator("default_language", "team_default_language", "language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        value = value.strip().lower()
        if value and not (value.replace("_", "").isalpha() and len(value) <= 16):
            raise ValueError("a language is a code such as uk or en.")
        return value

    protection_key_file: Path | None = Field(
        default=None,
        description="A file holding the protection desk's key (a secrets mount on a "
        "server; mode 0600): the desk opens with it instead of a passphrase. "
        "`civwatch protect init --key-file` creates it.",
    )
    protection_passphrase: SecretStr | None = Field(
        default=None,
        description="The protection desk's passphrase (12 characters or more): the desk's "
        "key is derived from it (argon2id) when the desk is opened. Never stored.",
    )
    protection_idle_minutes: int = Field(
        default=15,
        ge=1,
        description="Minutes without a request after which a protection page asks to sign "
        "in again.",
    )
    protection_kdf_memory_kib: int | None = Field(
        default=None,
        ge=8,
        description="Memory (KiB) of the argon2id derivation of a new desk's key; empty: "
        "the strong default. Lower only for tests: the value is stored with the desk.",
    )
    protection_kdf_time_cost: int | None = Field(
        default=None,
        ge=1,
        description="Passes of the argon2id derivation of a new desk's key; empty: the "
        "strong default. Lower only for tests: the value is stored with the desk.",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="The SMTP server mail is sent through (smtp://user:password@host:port, "
        "or smtps://...); empty: no mail is sent.",
    )
    campaign_key_file: Path | None = Field(
        default=None,
        description="The file holding the campaigns' key, which seals what supporters give "
        "(name, e-mail, letter) and signs their confirmation links (mode 0600; created on "
        "first use). Empty: keys/campaigns.key in the data folder.",
    )
    campaign_confirm_hours: int = Field(
        default=72, ge=1, description="Hours a campaign's confirmation link stays valid."
    )
    campaign_burst_per_minute: int = Field(
        default=600,
        ge=1,
        description="Campaign actions a minute (all clients together) above which each "
        "action needs a proof of work.",
    )
    campaign_actions_per_client: int = Field(
        default=30, ge=1, description="Campaign actions a minute from one client address."
    )
    campaign_mail_per_minute: int = Field(
        default=600,
        ge=1,
        description="Most campaign mails (confirmations, letters) sent per minute.",
    )
    protection_alert_to: str | None = Field(
        default=None,
        description="The protection desk's address for overdue check-in alerts (case ids "
        "only, never a name); needs CIVWATCH_SMTP_URL.",
    )
    capture_allow_hosts: str = Field(
        default="",
        description="Hosts a web capture may reach although they resolve to private, "
        "loopback or link-local addresses (comma-separated names or IP addresses, as written "
        "in the URL); cloud metadata addresses are refused whatever this says. Empty: none.",
    )
    capture_browser_path: str = Field(
        default="/usr/bin/chromium",
        description="The Chromium (or Chrome) executable web captures run headless.",
    )
    capture_timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Longest a web capture may take, seconds: a page still loading then is "
        "captured as it stands, with a warning.",
    )
    capture_max_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description="Most bytes a web capture downloads in all (the page and everything it "
        "loads); past it, further requests are refused with a warning.",
    )
    capture_max_requests: int = Field(
        default=500,
        ge=1,
        description="Most requests a web capture makes; past it, further requests are "
        "refused with a warning.",
    )
    capture_max_height: int = Field(
        default=20000,
        ge=100,
        description="Tallest full-page screenshot of a web capture, pixels (a longer page is "
        "cut there, with a warning).",
    )
    capture_media_min_bytes: int = Field(
        default=10 * 1024,
        ge=0,
        description="Smallest image, video or sound a web capture keeps as an evidence item "
        "of its own (icons and spacers are smaller); every response stays in the WACZ.",
    )

    @field_validator("capture_allow_hosts")
    @classmethod
    def _capture_hosts(cls, value: str) -> str:
        return ",".join(h.strip().lower().strip("[]") for h in value.split(",") if h.strip())

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'civwatch.db').resolve()}"

    @property
    def resolved_blob_url(self) -> str:
        if self.blob_url:
            return self.blob_url
        return (self.data_dir / "vault").resolve().as_uri()

    @property
    def signing_key_path(self) -> Path:
        return self.data_dir / "keys" / "custody-ed25519.pem"

    @property
    def resolved_campaign_key_file(self) -> Path:
        """The campaigns' key file: the setting, or ``keys/campaigns.key`` in the data folder."""
        return self.campaign_key_file or self.data_dir / "keys" / "campaigns.key"

    @property
    def absolute_base_url(self) -> str:
        """Where absolute links must point: the public base URL, or, until one is set,
        :data:`DEFAULT_PUBLIC_BASE_URL` (``civwatch serve``'s own default address)."""
        return self.public_base_url or DEFAULT_PUBLIC_BASE_URL


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. ``--data-dir``) on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = " ".join(
            f"CIVWATCH_{str(e['loc'][0]).upper()}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
            if e["loc"]
        )
        raise ConfigurationError(
            _("A setting is not valid. %(problems)s", problems=problems)
        ) from None
