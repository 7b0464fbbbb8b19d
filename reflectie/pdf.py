"""HTML to PDF with WeasyPrint, loaded only when a PDF is asked for (it costs about 0.7 s and
some memory the first time). Without its system libraries (Pango, HarfBuzz) the caller gets
PdfUnavailable with what is missing, and shows the print view instead."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Debian/Ubuntu packages WeasyPrint loads at import (see docs/deployment.md).
SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"


class PdfUnavailable(Exception):
    pass


def render_pdf(html: str, *, base_url: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as err:  # OSError: a shared library that cannot be loaded
        raise PdfUnavailable(
            str(
                _l(
                    "PDF maken kan op deze server niet: %(error)s. De beheerder installeert "
                    "daarvoor: %(packages)s.",
                    error=err,
                    packages=SYSTEM_PACKAGES,
                )
            )
        ) from err
    return HTML(string=html, base_url=base_url, url_fetcher=_no_fetching).write_pdf()


def _no_fetching(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    """Documents carry their styles inline; nothing is fetched, so no text a user wrote can
    make the server request a URL (SSRF) or read a file."""
    raise ValueError(f"not fetched: {url[:80]}")
