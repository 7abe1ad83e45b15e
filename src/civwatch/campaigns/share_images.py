"""Share images of a campaign: generated PNGs in the sizes people post.

``square`` (1080 x 1080, a feed post), ``story`` (1080 x 1920, a phone story) and ``wide``
(1200 x 630, the link preview the campaign page names in its Open Graph tags). Each shows the
organisation's name, what the supporter is asked to do ("Sign the petition", "Write to
decision-makers"), the campaign's line (its title, wrapped and made smaller until it fits)
and where to act, in the page's language. Text is set in the typeface of every picture
civwatch draws (:mod:`civwatch.publish.fonts`: DejaVu Sans, with Cyrillic letters), wrapped
by the share cards' :func:`civwatch.publish.sharecard.wrap_text`.

What an image shows is a :class:`ShareText` built from the campaign's own public fields
only (:func:`share_text`): nothing about a signer or a letter can reach it. An image is a
derivative: drawn once per content and kept in ``<data>/cache/campaign-images/`` under the
SHA-256 of what it shows (size and language included), so a new title makes a new image and
an unchanged campaign reuses the old one.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from civwatch.errors import NotFoundError
from civwatch.files import write_atomic
from civwatch.i18n import N_, _, current_language, gettext, use_language
from civwatch.publish.fonts import font
from civwatch.publish.sharecard import ACCENT, BACKGROUND, INK, MUTED, wrap_text

#: The sizes, by the name in their address (``/campaigns/7/share/square.png``).
SIZES: dict[str, tuple[int, int]] = {
    "square": (1080, 1080),
    "story": (1080, 1920),
    "wide": (1200, 630),
}
#: How each size is described next to its link on the campaign page.
SIZE_LABELS = {
    "square": N_("Square post (1080 × 1080)"),
    "story": N_("Story (1080 × 1920)"),
    "wide": N_("Link preview (1200 × 630)"),
}
#: Bump when the drawing changes, so cached images are drawn again.
IMAGE_VERSION = 1
#: What the supporter is asked to do, by the campaign's kind.
KICKERS = {
    "petition": N_("Sign the petition"),
    "letter": N_("Write to decision-makers"),
}


@dataclass(frozen=True)
class ShareText:
    """Everything an image shows: the renderer's only input."""

    lang: str
    organisation: str
    kicker: str
    line: str
    call: str
    address: str


@dataclass(frozen=True)
class Layout:
    """Where things go on one size: margins, the line's largest and smallest type and how
    many lines it may take."""

    margin: int
    band: int
    org_size: int
    kicker_size: int
    line_sizes: tuple[int, ...]
    line_lines: int
    call_size: int


LAYOUTS = {
    "square": Layout(84, 28, 40, 36, (96, 84, 72, 62, 54, 46), 7, 38),
    "story": Layout(84, 32, 44, 40, (112, 98, 86, 74, 64, 54), 10, 42),
    "wide": Layout(72, 24, 30, 26, (64, 56, 50, 44, 38), 4, 28),
}


def check_size(size: str) -> tuple[int, int]:
    """The pixel size of a size's name; another name is not found."""
    try:
        return SIZES[size]
    except KeyError:
        raise NotFoundError(
            _("There is no share image of size %(size)s.", size=size[:40])
        ) from None


def share_text(
    campaign: Mapping[str, Any], organisation: str, address: str, language: str | None = None
) -> ShareText:
    """What a campaign's images show, in ``language`` (default: the one in force), taken
    from its public fields only: kind, title (in that language when the campaign has it)
    and the address of its page."""
    with use_language(language or current_language()) as lang:
        titles = campaign.get("titles") or {}
        line = str(titles.get(lang) or campaign.get("title") or "").strip()
        kind = str(campaign.get("kind") or "petition")
        kicker = KICKERS.get(kind, KICKERS["petition"])
        call = _("Add your name:") if kind == "petition" else _("Send your letter:")
        return ShareText(
            lang=lang,
            organisation=organisation,
            kicker=gettext(kicker),
            line=line,
            call=str(call),
            address=address,
        )


def _fit_line(
    draw: ImageDraw.ImageDraw, text: str, layout: Layout, width: int
) -> tuple[list[str], int]:
    """The line wrapped at the largest type where it fits whole, else at the smallest,
    cut with an ellipsis."""
    for size in layout.line_sizes:
        face = font(size, bold=True)
        lines = wrap_text(draw, text, face, width, layout.line_lines + 1)
        if len(lines) <= layout.line_lines and all(
            draw.textlength(line, font=face) <= width for line in lines
        ):
            return lines, size
    size = layout.line_sizes[-1]
    face = font(size, bold=True)
    lines = wrap_text(draw, text, face, width, layout.line_lines)
    return [_cut(draw, line, face, width) for line in lines], size


def _cut(draw: ImageDraw.ImageDraw, text: str, face: Any, width: int) -> str:
    """One line cut to ``width`` px (a single word longer than the line)."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"


def draw_share_image(text: ShareText, size: str) -> bytes:
    """The PNG of one size."""
    width, height = check_size(size)
    layout = LAYOUTS[size]
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, layout.band, height), fill=ACCENT)
    margin = layout.margin
    inner = width - margin - layout.band - 48
    left = margin + layout.band // 2
    y = margin
    org_face = font(layout.org_size, bold=True)
    for line in wrap_text(draw, text.organisation, org_face, inner, 2):
        draw.text((left, y), line, font=org_face, fill=ACCENT)
        y += int(layout.org_size * 1.25)
    kicker_face = font(layout.kicker_size)
    y += layout.kicker_size // 2
    draw.text((left, y), _cut(draw, text.kicker, kicker_face, inner), font=kicker_face, fill=MUTED)
    y += int(layout.kicker_size * 1.6)
    lines, line_size = _fit_line(draw, text.line, layout, inner)
    line_face = font(line_size, bold=True)
    step = int(line_size * 1.2)
    footer = layout.call_size * 3 + margin
    # The line sits in the space between the kicker and the footer: at the top on the wide
    # card (little room), in the middle of the square and the story.
    room = height - footer - y
    if size != "wide":
        y += max(0, (room - step * len(lines)) // 2)
    for line in lines:
        draw.text((left, y), line, font=line_face, fill=INK)
        y += step
    call_face = font(layout.call_size)
    address_face = font(layout.call_size, bold=True)
    bottom = height - margin - layout.call_size
    draw.text(
        (left, bottom),
        _cut(draw, text.address, address_face, inner),
        font=address_face,
        fill=ACCENT,
    )
    draw.text(
        (left, bottom - int(layout.call_size * 1.4)),
        _cut(draw, text.call, call_face, inner),
        font=call_face,
        fill=MUTED,
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def share_image(data_dir: Path, text: ShareText, size: str) -> bytes:
    """One size of a campaign's image, drawn once per content and then read from the
    cache."""
    check_size(size)
    shown = {"v": IMAGE_VERSION, "size": size, **asdict(text)}
    key = hashlib.sha256(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    path = data_dir / "cache" / "campaign-images" / f"{key}.png"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    png = draw_share_image(text, size)
    write_atomic(path, png)
    return png
