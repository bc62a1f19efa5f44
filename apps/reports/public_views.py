"""Public downloads of the transparency page (no login): the adopted policy documents (R-REP-3a) and the minutes of
the public comment held before the program began (R-REP-4). Nothing here shows ALPR data."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View

from apps.agencies.selectors import policy_document_list_visible_to, public_comment_minutes_visible_to
from apps.common.downloads import download_filename


def _pdf(field, filename: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("The document is not on file.") from error
    response = FileResponse(handle, content_type="application/pdf", as_attachment=False,
                            filename=download_filename(filename))
    response["X-Content-Type-Options"] = "nosniff"
    return response


class PolicyDocumentDownloadView(View):
    """One version of an adopted policy document, as posted (its SHA-256 is on the public page)."""

    def get(self, request, pk: int):
        document = get_object_or_404(policy_document_list_visible_to(user=request.user), pk=pk)
        return _pdf(document.document, document.document.name.rsplit("/", 1)[-1])


class PublicCommentMinutesView(View):
    def get(self, request, pk: int):
        comment = get_object_or_404(public_comment_minutes_visible_to(user=request.user), pk=pk)
        return _pdf(comment.minutes_document, comment.minutes_document.name.rsplit("/", 1)[-1])
