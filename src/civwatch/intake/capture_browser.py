"""Loading a page in headless Chromium (Playwright) with every request checked and kept.

The browser is cut off from the network: its own name resolution answers "not found"
for every host, and anything it would send past the interception goes to a proxy address
where nothing listens, loopback included. Every request the page makes is intercepted
(``context.route``); :mod:`civwatch.intake.capture_ssrf` checks its address and
:mod:`civwatch.intake.capture_fetch` makes it to the pinned address; the answer is handed
to the browser and written to the WARC. Service workers are blocked (their requests would
escape the interception), and so are WebSockets.

Limits: the capture's time (a page still loading at its share of the time is captured as
it stands, with a warning), its bytes and its number of requests (further requests are
refused, with a warning), and the screenshot's height.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from civwatch.errors import CivwatchError, ConfigurationError
from civwatch.i18n import Message, _
from civwatch.intake.capture_fetch import Exchange, FetchError, fetch
from civwatch.intake.capture_ssrf import AddressPolicy, CaptureRefusedError
from civwatch.intake.web_archive import WarcRecorder

if TYPE_CHECKING:
    from playwright.async_api import ViewportSize

VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
#: Share of the capture's time kept for scrolling, the screenshot and the HTML.
AFTER_LOAD_SHARE = 0.3
AFTER_LOAD_MAX_S = 20.0
#: Fetches made at once.
FETCHERS = 6
#: Warnings kept per capture (a page refused a thousand times says so once per kind).
MAX_WARNINGS = 50
#: Redirects followed from one request (browsers follow 20; captures need fewer).
MAX_REDIRECTS = 10

_SCROLL = """async ([maxHeight, stepMs, rounds]) => {
  const el = document.scrollingElement || document.documentElement;
  for (let i = 0; i < rounds; i++) {
    window.scrollBy(0, window.innerHeight);
    await new Promise(r => setTimeout(r, stepMs));
    if (window.scrollY + window.innerHeight >= Math.min(el.scrollHeight, maxHeight)) break;
  }
  window.scrollTo(0, 0);
  return Math.max(el.scrollHeight, document.body ? document.body.scrollHeight : 0);
}"""


@dataclass(frozen=True)
class CaptureLimits:
    timeout_s: float
    max_bytes: int
    max_requests: int
    max_height: int


@dataclass
class PageCapture:
    """What the browser saw: the files written, the exchanges and the warnings."""

    url: str
    final_url: str
    http_status: int | None
    captured_at: datetime
    title: str
    browser: str
    certificate_sha256: str | None
    screenshot: Path
    html: Path
    warc: Path
    exchanges: list[Exchange]
    warnings: list[Message] = field(default_factory=list)


class _State:
    """The counters and findings of one capture, shared by the route handler."""

    def __init__(self, limits: CaptureLimits, deadline: float, warc: WarcRecorder) -> None:
        self.limits = limits
        self.deadline = deadline
        self.warc = warc
        self.requests = 0
        self.bytes = 0
        self.exchanges: list[Exchange] = []
        self.navigations: list[Exchange] = []
        self.warnings: list[Message] = []
        self.refused_navigation: Message | None = None
        self.failed_navigation: Message | None = None
        #: Where the page's own request was redirected (load_page navigates there).
        self.redirect_to: str | None = None
        self._said: set[str] = set()

    def warn(self, message: str, once: str | None = None) -> None:
        """Keep ``message`` (a marked message, shown again in any language) as a warning;
        with ``once``, only the first warning of that kind."""
        message = message if isinstance(message, Message) else Message(message)
        if once is not None:
            if once in self._said:
                return
            self._said.add(once)
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


def _closed_port() -> int:
    """A loopback port where nothing listens (the browser's proxy: a dead end)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _handle(
    route: Any,
    state: _State,
    policy: AddressPolicy,
    pool: ThreadPoolExecutor,
    main_frame: Callable[[], Any],
) -> None:
    """One request of the page. Playwright calls a route only for the first request of a
    redirect chain (the browser would send the next ones itself, and its dead-end proxy
    would stop them), so redirects are followed here: a redirect of the page itself is
    handed back to :func:`load_page`, which navigates to its target (so the page knows
    its own address); any other is followed hop by hop, each hop checked and archived."""
    from playwright.async_api import Error as PlaywrightError

    request = route.request
    url: str = request.url
    navigation = request.is_navigation_request() and request.frame == main_frame()
    headers = {k: v for k, v in (await request.all_headers()).items() if not k.startswith(":")}
    method, body = request.method, request.post_data_buffer
    for _hop in range(MAX_REDIRECTS + 1):
        exchange = await _exchange(url, method, headers, body, state, policy, pool, navigation)
        if exchange is None:
            with contextlib.suppress(PlaywrightError):
                await route.abort("blockedbyclient")
            return
        location = exchange.header("location")
        if not (300 <= exchange.status < 400 and location):
            break
        url = urljoin(url, location.strip())
        if navigation:
            state.redirect_to = url
            with contextlib.suppress(PlaywrightError):
                await route.abort("aborted")
            return
        if exchange.status in (301, 302, 303) and method != "HEAD":
            method, body = "GET", None
    else:
        state.warn(_("Too many redirects from %(url)s; it was not loaded.", url=request.url[:300]))
        with contextlib.suppress(PlaywrightError):
            await route.abort("failed")
        return
    try:
        await route.fulfill(
            status=exchange.status,
            headers=exchange.browser_headers(),
            body=exchange.browser_body(),
        )
    except PlaywrightError:
        pass  # the page went away meanwhile
    except (zlib.error, ValueError):  # a body that will not decode: the browser gets it raw
        with contextlib.suppress(PlaywrightError):
            await route.fulfill(status=exchange.status, body=exchange.raw_body)


async def _exchange(
    url: str,
    method: str,
    headers: dict[str, str],
    body: bytes | None,
    state: _State,
    policy: AddressPolicy,
    pool: ThreadPoolExecutor,
    navigation: bool,
) -> Exchange | None:
    """Check ``url`` and make the request (recorded in the WARC); None when it is refused
    or fails (a warning says why)."""
    loop = asyncio.get_running_loop()

    def refuse(message: str, once: str | None = None) -> None:
        shown = message if isinstance(message, Message) else Message(message)
        state.warn(shown, once)
        if navigation and state.refused_navigation is None:
            state.refused_navigation = shown

    if state.requests >= state.limits.max_requests:
        refuse(
            _(
                "The capture reached its limit of %(most)s requests; later requests were refused.",
                most=state.limits.max_requests,
            ),
            once="requests",
        )
        return None
    if state.bytes >= state.limits.max_bytes:
        refuse(
            _(
                "The capture reached its limit of %(most)s bytes; later requests were refused.",
                most=state.limits.max_bytes,
            ),
            once="bytes",
        )
        return None
    if state.remaining() <= 0:
        refuse(_("The capture ran out of time; later requests were refused."), once="time")
        return None
    state.requests += 1
    try:
        target = await loop.run_in_executor(pool, policy.pin, url)
    except CaptureRefusedError as exc:
        refuse(exc.message)
        return None
    except CivwatchError as exc:  # a malformed address, or a scheme other than http(s)
        refuse(_("Refused %(url)s: %(reason)s", url=url[:300], reason=exc.message))
        return None
    try:
        exchange = await loop.run_in_executor(
            pool,
            lambda: fetch(
                target,
                method,
                headers,
                body,
                timeout=max(0.5, state.remaining()),
                max_bytes=max(1, state.limits.max_bytes - state.bytes),
            ),
        )
    except FetchError as exc:
        message = _("Could not load %(url)s: %(reason)s", url=url[:300], reason=exc.message)
        state.warn(message)
        if navigation and state.failed_navigation is None:
            state.failed_navigation = message
        return None
    state.bytes += len(exchange.raw_body)
    state.exchanges.append(exchange)
    if navigation:
        state.navigations.append(exchange)
    state.warc.add(exchange, datetime.now(UTC))
    return exchange


async def _abort_socket(ws: Any) -> None:
    await ws.close()


async def load_page(
    url: str,
    *,
    policy: AddressPolicy,
    limits: CaptureLimits,
    browser_path: str,
    workdir: Path,
    progress: Callable[[Message], None] = lambda m: None,
) -> PageCapture:
    """Load ``url`` in headless Chromium, scroll it, and write its screenshot, HTML and
    WARC into ``workdir``. Raises :class:`CaptureRefusedError` when the page itself is
    refused, :class:`CivwatchError` when it cannot be loaded at all."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    started = time.monotonic()
    deadline = started + limits.timeout_s
    after_load = min(AFTER_LOAD_MAX_S, limits.timeout_s * AFTER_LOAD_SHARE)
    captured_at = datetime.now(UTC)
    pool = ThreadPoolExecutor(max_workers=FETCHERS, thread_name_prefix="capture-fetch")
    warc: WarcRecorder | None = None
    try:
        async with async_playwright() as pw:
            try:
                browser = await pw.chromium.launch(
                    executable_path=browser_path,
                    headless=True,
                    proxy={"server": f"http://127.0.0.1:{_closed_port()}", "bypass": "<-loopback>"},
                    args=[
                        "--host-resolver-rules=MAP * ~NOTFOUND",
                        "--proxy-bypass-list=<-loopback>",
                        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-domain-reliability",
                        "--disable-sync",
                        "--no-pings",
                        "--dns-prefetch-disable",
                    ],
                )
            except PlaywrightError as exc:
                raise ConfigurationError(
                    _(
                        "The browser for web captures cannot be started (%(path)s): "
                        "%(reason)s. Install Chromium or set CIVWATCH_CAPTURE_BROWSER_PATH.",
                        path=browser_path,
                        reason=str(exc).splitlines()[0][:300],
                    )
                ) from None
            try:
                version = f"Chromium {browser.version}"
                warc = WarcRecorder(workdir / "data.warc.gz", browser=version)
                state = _State(limits, deadline, warc)
                context = await browser.new_context(
                    viewport=VIEWPORT,
                    service_workers="block",
                    accept_downloads=False,
                )
                page = await context.new_page()
                await context.route(
                    "**/*",
                    lambda route: _handle(route, state, policy, pool, lambda: page.main_frame),
                )
                await context.route_web_socket("**/*", _abort_socket)
                progress(_("Loading the page."))
                await _navigate(page, url, state, deadline - after_load)
                progress(_("Scrolling the page."))
                height = await _scroll(page, state, limits)
                shown = min(height, limits.max_height)
                if height > limits.max_height:
                    state.warn(
                        _(
                            "The page is %(height)s pixels tall; the screenshot shows its "
                            "first %(most)s.",
                            height=height,
                            most=limits.max_height,
                        )
                    )
                progress(_("Taking the screenshot."))
                screenshot = workdir / "screenshot.png"
                shot_ms = max(2000.0, state.remaining() * 1000)
                await page.screenshot(
                    path=str(screenshot),
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": max(1, shown)},
                    timeout=shot_ms,
                    animations="disabled",
                )
                html = workdir / "page.html"
                html.write_text(await page.content(), encoding="utf-8")
                title = await page.title()
                final = state.navigations[-1]
                await context.close()
            finally:
                await browser.close()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        if warc is not None:
            warc.close()
    return PageCapture(
        url=url,
        final_url=final.url,
        http_status=final.status,
        captured_at=captured_at,
        title=title,
        browser=version,
        certificate_sha256=final.certificate_sha256,
        screenshot=screenshot,
        html=html,
        warc=warc.path,
        exchanges=state.exchanges,
        warnings=state.warnings,
    )


async def _navigate(page: Any, url: str, state: _State, until: float) -> None:
    """Load ``url`` in ``page`` and follow its redirects (each one a navigation), until the
    page's load event or the time ``until`` (then it is captured as it stands)."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    target = url
    for _hop in range(MAX_REDIRECTS + 1):
        state.redirect_to = None
        wait_ms = max(1000.0, (until - time.monotonic()) * 1000)
        try:
            await page.goto(target, wait_until="load", timeout=wait_ms)
        except PlaywrightTimeout:
            state.warn(
                _(
                    "The page had not finished loading after %(seconds)s seconds; it "
                    "was captured as it stood then.",
                    seconds=round(state.limits.timeout_s),
                )
            )
            break
        except PlaywrightError as exc:
            if state.redirect_to is not None:
                target = state.redirect_to
                continue
            if state.refused_navigation is not None:
                raise CaptureRefusedError(state.refused_navigation) from None
            if state.failed_navigation is not None:
                raise CivwatchError(state.failed_navigation) from None
            raise CivwatchError(
                _(
                    "The page could not be loaded: %(reason)s",
                    reason=str(exc).splitlines()[0][:300],
                )
            ) from None
        if state.redirect_to is None:
            break
        target = state.redirect_to
    else:
        raise CivwatchError(_("The page redirects too many times: %(url)s", url=url[:300]))
    if state.refused_navigation is not None and not state.navigations:
        raise CaptureRefusedError(state.refused_navigation)
    final = state.navigations[-1] if state.navigations else None
    if final is None or 300 <= final.status < 400:
        raise CivwatchError(state.failed_navigation or _("The page could not be loaded."))


async def _scroll(page: Any, state: _State, limits: CaptureLimits) -> int:
    """Scroll to the bottom (lazy images load), then back; the page's height in pixels."""
    from playwright.async_api import Error as PlaywrightError

    budget = max(0.5, min(10.0, state.remaining() * 0.4))
    rounds = max(1, int(budget * 1000 / 150))
    try:
        height = await asyncio.wait_for(
            page.evaluate(_SCROLL, [limits.max_height, 100, rounds]), timeout=budget + 1
        )
    except (TimeoutError, PlaywrightError):
        height = await page.evaluate("document.documentElement.scrollHeight")
    quiet = max(0.0, min(3.0, state.remaining() * 0.3))
    if quiet > 0:
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("networkidle", timeout=quiet * 1000)
    return int(height or VIEWPORT["height"])
