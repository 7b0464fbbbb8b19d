"""HTML to PDF with WeasyPrint, loaded only when a PDF is asked for (it costs about 0.7 s and
some memory the first time). Without its system libraries (Pango, HarfBuzz) the caller gets
PdfUnavailable with what is missing, and shows the print view instead."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
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


def pdf_response(html: str, *, filename: str, print_view: str) -> ResponseReturnValue:
    """The PDF of `html` inline, or a 503 page that explains what is missing and links to the
    print view (`print_view`, a URL) when the PDF libraries are not installed."""
    try:
        pdf = render_pdf(html, base_url=request.url_root)
    except PdfUnavailable as err:
        page = render_template("errors/pdf_unavailable.html", reason=str(err), back=print_view)
        return page, 503
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
