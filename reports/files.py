"""The report's two files: ``report.html`` (self-contained) and ``report.pdf`` (that page printed to A4 by headless
Chromium, page numbers in the footer, the CJK font it uses embedded)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from views.i18n import translator

from . import chromium, render
from .weekly import WeeklyReport

HTML_NAME, PDF_NAME = "report.html", "report.pdf"


def html_bytes(report: WeeklyReport) -> bytes:
    return render.html(report).encode("utf-8")


def pdf_bytes(html: bytes, *, lang: str) -> bytes:
    """``html`` (a rendered report) printed to PDF; ``chromium.ChromiumMissingError`` without Chromium."""
    t = translator(lang)
    number = t("report.page", page='<span class="pageNumber"></span>', pages='<span class="totalPages"></span>')
    footer = (
        '<div style="width:100%;text-align:center;font-size:8px;color:#51606f;'
        f"font-family:'Noto Sans CJK SC',sans-serif\">{number}</div>"
    )
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / HTML_NAME
        page.write_bytes(html)
        return chromium.html_to_pdf(page, footer=footer)


def write(report: WeeklyReport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``report.html`` and then ``report.pdf`` into ``out_dir`` (made if missing); their paths. The HTML is
    written even when the PDF cannot be (``chromium.ChromiumMissingError``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html = html_bytes(report)
    html_path, pdf_path = out_dir / HTML_NAME, out_dir / PDF_NAME
    html_path.write_bytes(html)
    pdf_path.write_bytes(pdf_bytes(html, lang=report.lang))
    return html_path, pdf_path
