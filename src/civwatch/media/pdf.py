"""HTML made into PDF through WeasyPrint, without WeasyPrint's side effect on Pillow.

Importing WeasyPrint sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES`` to
True: every image decoded afterwards in the same process (evidence hashed, previews,
redactions) would have a truncated file filled in with grey instead of refused as damaged.
The flag is put back as it was right after the import. WeasyPrint is imported only when a
PDF is made (the command line starts without it)."""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    """``html`` (a whole document, its fonts and styles inline) as PDF bytes."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
