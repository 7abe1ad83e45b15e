"""The build step setuptools cannot express in pyproject.toml: the message catalogues
(``src/civwatch/locale/*/LC_MESSAGES/civwatch.po``) are compiled into the wheel as ``.mo``
files. Everything else about the package is in pyproject.toml."""

from __future__ import annotations

import io
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).resolve().parent / "src" / "civwatch" / "locale"


class BuildWithCatalogues(build_py):  # type: ignore[misc]
    """``build_py``, then every ``.po`` compiled to ``.mo`` beside its copy in the build."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_file in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
            with po_file.open("rb") as f:
                catalog = read_po(f, locale=po_file.parent.parent.name)
            out = io.BytesIO()
            write_mo(out, catalog, use_fuzzy=False)
            relative = po_file.relative_to(LOCALE).with_suffix(".mo")
            target = Path(self.build_lib) / "civwatch" / "locale" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(out.getvalue())


setup(cmdclass={"build_py": BuildWithCatalogues})
