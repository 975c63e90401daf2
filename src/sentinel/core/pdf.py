"""HTML to PDF: the one place that calls WeasyPrint (docs/adr/0009-pdf-weasyprint.md).

The report's meeting pack (``reports.pdf``) and the receipts of the DPA and the consent
(``portal.receipts``) are HTML made by our templates; this turns such a page into PDF bytes.
WeasyPrint lays the page out itself with Pango (Debian's ``libpango-1.0-0``, installed by
``make setup`` when missing) and never fetches anything: the page comes with its style sheet
(a template of its own beside it) and inline SVG, and every fetch is refused, so a page cannot
pull in a file or a URL.
"""

from __future__ import annotations

PDF_CONTENT_TYPE = "application/pdf"


def html_to_pdf(html: str, *, css: str = "", title: str = "", lang: str = "da") -> bytes:
    """The PDF of one self-contained HTML page with the style sheet ``css`` (kept out of the
    page: the templates carry no inline styles) and ``title`` and ``lang`` as its metadata."""
    from weasyprint import CSS, HTML  # a heavy import, paid only when a PDF is made

    def refuse(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        raise ValueError(f"a PDF page may not fetch {url[:80]!r}")

    sheets = [CSS(string=css, url_fetcher=refuse)] if css else []
    document = HTML(string=html, url_fetcher=refuse).render(stylesheets=sheets)
    document.metadata.title = title or document.metadata.title
    document.metadata.lang = lang
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)  # noqa: S101 - write_pdf without a target returns bytes
    return pdf
