"""The authorization letter of a release (R-SHR-4), rendered to PDF by WeasyPrint with no network access: the
template carries its own CSS, fonts are the system's, and the URL fetcher allows only ``data:`` URIs."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone


def render_authorization_letter(*, disclosure_request, authorization, read_count: int, csv_sha256: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from apps.agencies.selectors import agency_get_deploying

    deploying = agency_get_deploying()
    html = render_to_string("disclosures/authorization_letter.html", {
        "request": disclosure_request,
        "authorization": authorization,
        "agreement": authorization.agreement,
        "read_count": read_count,
        "csv_sha256": csv_sha256,
        "agency_name": deploying.name if deploying else settings.PORTAL["AGENCY_NAME"],
        "agency_ori": deploying.ori if deploying else settings.PORTAL["AGENCY_ORI"],
        "signed_at": timezone.localtime(authorization.signed_at),
        "generated_at": timezone.localtime(),
    })
    fetcher = URLFetcher(allowed_protocols={"data"}, timeout=1)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
