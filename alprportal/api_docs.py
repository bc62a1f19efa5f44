"""The interactive API docs page: a person who is not logged in is sent to the login page and comes back here,
instead of a bare 401 (issue #17). The schema itself (/api/schema/) stays a 401 for API clients."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerView


class ApiDocsView(SpectacularSwaggerView):
    def dispatch(self, request, *args, **kwargs):
        # The session user (Django's middleware), before DRF's own authentication would answer 401.
        if not request.user.is_authenticated and "HTTP_AUTHORIZATION" not in request.META:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


# One line per API operation, as the docs' operation list shows it (issue #17). The long description stays the view's
# docstring; an operation missing here falls back to its description's first sentence, so none is left blank.
API_SUMMARIES = {
    "v1_access_log_list": "List the access-log rows you may review",
    "v1_cameras_list": "List cameras and patrol units",
    "v1_cameras_create": "Register a camera or patrol unit",
    "v1_cameras_retrieve": "Show one camera or patrol unit",
    "v1_cameras_partial_update": "Change a camera or patrol unit",
    "v1_cameras_status_reports_create": "Report a unit out of service or back in service",
    "v1_disclosures_entered_create": "Enter a written request received on paper or by e-mail",
    "v1_disclosures_requests_list": "List your agency's disclosure requests",
    "v1_disclosures_requests_create": "File a disclosure request",
    "v1_disclosures_requests_retrieve": "Show one of your agency's disclosure requests",
    "v1_disclosures_requests_package_retrieve": "Download a request's release package",
    "v1_disclosures_requests_respond_create": "Answer the custodian's request for more information",
    "v1_hits_retrieve": "Poll for new and changed hits",
    "v1_hit_detail": "Show one hit",
    "v1_hits_action_create": "Record the action taken on a confirmed hit",
    "v1_hits_confirm_create": "Confirm a hit with dispatch or CLETS",
    "v1_hits_exigent_create": "Record an exigent action taken before confirmation",
    "v1_hits_exigent_review_create": "Review an exigent action (supervisor)",
    "v1_hits_misread_create": "Mark a hit as a misread",
    "v1_hits_not_actionable_create": "Mark a hit as not actionable",
    "v1_hotlists_retrieve": "List hot lists and whether each matches now",
    "v1_hotlists_feed_create": "Refresh a hot list from an automated feed",
    "v1_ingest_images_create": "Upload a read's image",
    "v1_ingest_openalpr_create": "Receive an OpenALPR / Rekor Scout webhook",
    "v1_ingest_reads_create": "Ingest reads in bulk",
    "v1_justifications_retrieve": "List searches and entries waiting for justification review",
    "v1_justifications_reviews_create": "Record a justification review",
    "v1_me_retrieve": "Show who you are, your roles and your training",
    "v1_ocr_jobs_list": "List your photo OCR jobs",
    "v1_ocr_jobs_create": "Upload photos to read their plates",
    "v1_ocr_jobs_retrieve": "Show one photo OCR job and its photos",
    "v1_reads_retrieve": "Show one read with its corrections",
    "v1_reads_corrections_create": "Correct a misread plate",
    "v1_reads_export_retrieve": "Export a search's results as CSV",
    "v1_reads_search_list": "Search reads",
    "v1_shifts_gaps_retrieve": "Show a shift's gap report",
    "v1_shifts_gaps_reviews_create": "Record the review of a shift's gaps",
    "v1_shifts_sign_on_create": "Sign a unit on for the shift",
    "v1_shifts_sign_ons_sign_off_create": "Sign a unit off",
    "v1_shifts_units_retrieve": "List the units you sign on",
    "v1_training_records_list": "List the training records you may see",
}

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


def _first_sentence(text: str) -> str:
    text = " ".join((text or "").split())
    for end in (". ", ": "):
        if end in text:
            text = text.split(end, 1)[0]
    return text[:120]


def operation_summaries_fill(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation gets a one-line summary."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in HTTP_METHODS or operation.get("summary"):
                continue
            operation["summary"] = (API_SUMMARIES.get(operation.get("operationId", ""))
                                    or _first_sentence(operation.get("description", ""))
                                    or operation.get("operationId", "").replace("_", " "))
    return result
