"""Pages of imagery OCR: upload (with the uploader's jobs and, for supervisors, data quality), a job's photos with
the boxes OCR found, the status JSON the job page polls, the photo itself, and the review (accept / correct).

Uploaded photos and OCR results are ALPR data: every page is behind login, ``ocr.add_ocrjob`` and the training
gate (R-ACC-2). A job and its photos are the uploader's: anyone else gets a 404.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.audit.access_context import (
    PlateAccessRequiredMixin,
    access_context_from_request,
    access_context_remember,
    access_context_validate,
    plate_access_log,
)
from apps.common.downloads import download_filename
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.ocr.forms import OcrCorrectionForm, OcrUploadForm
from apps.ocr.models import OcrItem, OcrJob
from apps.ocr.selectors import (
    ocr_item_for,
    ocr_job_detail_for,
    ocr_job_list_visible_to,
    ocr_job_overview_for,
    ocr_job_progress,
    ocr_quality_by_engine,
)
from apps.ocr.services.review import ocr_item_accept, ocr_item_correct
from apps.ocr.services.uploads import ocr_job_create
from apps.training.gate import TrainingRequiredMixin

RECENT_JOBS = 25


class OcrMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    """Anonymous → login; without ``ocr.add_ocrjob`` → 403; lapsed training → the training page (R-ACC-2)."""

    permission_required = "ocr.add_ocrjob"


class OcrUploadView(OcrMixin, TemplateView):
    """Upload photos (one or many) with optional time, place and case number; list my recent jobs."""

    template_name = "ocr/upload.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            form=form or OcrUploadForm(),
            jobs=ocr_job_list_visible_to(user=user)[:RECENT_JOBS],
            overview=ocr_job_overview_for(user=user).exclude(uploaded_by=user)[:RECENT_JOBS]
            if user.has_perm("ocr.view_ocrjob") else None,
            quality=ocr_quality_by_engine() if user.has_perm("ocr.view_ocr_quality") else None,
        )
        return context

    def post(self, request):
        form = OcrUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = ocr_job_create(
                    actor=request.user, photos=data["photos"], case_number=data["case_number"],
                    captured_at=data["captured_at"], latitude=data["latitude"], longitude=data["longitude"],
                    note=data["note"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                if data.get("purpose") and data.get("case_number"):
                    # The purpose and case number stated with the upload are those the job page logs under.
                    access_context_remember(request, access_context_validate(purpose=data["purpose"],
                                                                             case_number=data["case_number"]))
                if job.failed_count:
                    messages.warning(request, f"{job.failed_count} of {job.photo_count} photos were refused; "
                                              "the reasons are shown below.")
                else:
                    messages.success(request, f"{job.photo_count} photo{'s' if job.photo_count != 1 else ''} "
                                              "uploaded; OCR is running.")
                return HttpResponseRedirect(reverse("ocr:job", args=[job.pk]))
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _job_or_404(user, pk: int) -> OcrJob:
    try:
        return ocr_job_detail_for(user=user, job_id=pk)
    except OcrJob.DoesNotExist as exc:
        raise Http404("No such upload.") from exc


class OcrJobDetailView(OcrMixin, PlateAccessRequiredMixin, TemplateView):
    """A job: progress (updated by static/js/ocr.js without reloading), and each photo with its boxes, the plate
    chosen, the alternates, and accept / correct. ``?partial=items`` renders the photos only (for the poller).
    Both show plates: each is logged under the purpose and case number stated with the upload or on the way in
    (R-AUD-1a)."""

    access_what = "the plates read from these photos"

    def plate_access_precheck(self, request, *args, **kwargs) -> None:
        self.job = _job_or_404(request.user, kwargs["pk"])

    template_name = "ocr/job.html"

    def get_template_names(self):
        if self.request.GET.get("partial") == "items":
            return ["ocr/_items.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.job
        items = [_item_overlay(item) for item in job.items.all()]
        self.log_plate_access(action="ocr.job.view", data_elements={
            "job": job.pk, "reads": [item.read_id for item in items if item.read_id],
            "plates": sorted({item.read.plate_current for item in items if item.read_id})}, result_count=len(items))
        context.update(
            job=job, items=items, correction_form=OcrCorrectionForm(),
            may_correct=self.request.user.has_perm("reads.correct_read"),
            status_url=reverse("ocr:job_status", args=[job.pk]),
        )
        return context


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two x, y, w, h boxes."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _item_overlay(item: OcrItem) -> OcrItem:
    """Attach what the SVG overlay draws: one box per place in the photo where OCR read text (the chosen plate's
    marked), labelled with its best reading and how many other readings of the same place there are (all of them in
    the box's tooltip), sized relative to the photo (no inline style: classes and SVG attributes only). Readings of
    one place share a box: drawn apart, their labels would be printed on top of each other."""
    chosen = item.read.metadata.get("box") if item.read_id and isinstance(item.read.metadata, dict) else None
    width, height = item.width or 1, item.height or 1
    font = max(10, round(min(width, height) * 0.035))
    item.font_size, item.boxes = font, []
    for rank, candidate in enumerate(item.candidates or [], start=1):
        box = tuple(int(v) for v in candidate.get("box", [0, 0, 0, 0]))
        reading = f"{rank}. {candidate.get('text', '')} ({float(candidate.get('confidence', 0)):.2f})"
        is_chosen = chosen is not None and list(box) == list(chosen)
        same_place = next((drawn for drawn in item.boxes if _overlap(drawn["box"], box) > 0.5), None)
        if same_place is not None:
            same_place["readings"].append(reading)
            same_place["chosen"] = same_place["chosen"] or is_chosen
            continue
        x, y, w, h = box
        item.boxes.append({"box": box, "x": x, "y": y, "w": w, "h": h, "chosen": is_chosen,
                           "label": f"{rank}. {candidate.get('text', '')}", "readings": [reading]})
    placed: list[tuple[float, float, float, float]] = []
    # labels of the chosen plate first, then by rank: a label that would cover one already placed goes below its
    # box instead, and is left off the photo when both places are taken (the tooltip and the list still show it)
    for drawn in sorted(item.boxes, key=lambda drawn: not drawn["chosen"]):
        others = len(drawn["readings"]) - 1
        if others:
            drawn["label"] += f" (+{others})"
        drawn["title"] = "; ".join(drawn["readings"])
        x, y, h = drawn["x"], drawn["y"], drawn["h"]
        label_w = len(drawn["label"]) * font * 0.62
        drawn["label_y"] = None
        for baseline in ((y - font // 3, y + h + font) if y - font > 0 else (y + h + font,)):
            area = (x, baseline - font, x + label_w, baseline + font * 0.25)
            if not any(area[0] < o[2] and o[0] < area[2] and area[1] < o[3] and o[1] < area[3] for o in placed):
                drawn["label_y"] = baseline
                placed.append(area)
                break
    item.boxes.sort(key=lambda drawn: drawn["chosen"])  # the chosen box last, drawn on top
    return item


class OcrJobStatusView(OcrMixin, View):
    """The job's status, progress, timings and photos' states as JSON (polled by the job page)."""

    def get(self, request, pk: int):
        try:
            job = ocr_job_list_visible_to(user=request.user).get(pk=pk)
        except OcrJob.DoesNotExist as exc:
            raise Http404 from exc
        response = JsonResponse(ocr_job_progress(job=job))
        response["Cache-Control"] = "no-store"
        return response


def _item_or_404(user, pk: int) -> OcrItem:
    try:
        return ocr_item_for(user=user, item_id=pk)
    except OcrItem.DoesNotExist as exc:
        raise Http404("No such photo.") from exc


class OcrItemImageView(OcrMixin, View):
    """The uploaded photo, to its uploader only (media is never served directly); a photo shows a plate, so it is
    logged under the session's purpose and case number, and refused without them (R-AUD-1a)."""

    def get(self, request, pk: int):
        item = _item_or_404(request.user, pk)
        if not item.image:
            raise Http404
        try:
            access = access_context_from_request(request)
        except ApplicationError as exc:
            raise PermissionDenied(exc.message) from exc
        if access is None:
            raise PermissionDenied("State the purpose and case number on the upload's page first.")
        plate_access_log(request=request, context=access, action="ocr.photo.view",
                         data_elements={"job": item.job_id, "item": item.pk, "read_id": item.read_id},
                         result_count=1)
        try:
            file = item.image.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404("The photo is no longer stored.") from exc
        response = FileResponse(file, content_type=mimetypes.guess_type(item.image.name)[0] or "image/jpeg",
                                filename=download_filename(item.image.name.rsplit("/", 1)[-1]))
        response["Cache-Control"] = "private, max-age=600"
        return response


REVIEW_CONTEXT_NEEDED = "State the purpose and case number on the upload's page first: reviewing shows the plate."


class OcrItemAcceptView(OcrMixin, View):
    """The uploader confirms OCR's plate. The answer names the plate, so it is logged first (``ocr.item.accept``)
    under the purpose and case number stated for the upload this session, and refused without them (R-AUD-1a)."""

    def post(self, request, pk: int):
        item = _item_or_404(request.user, pk)
        try:
            access = access_context_from_request(request)
            if access is None:
                raise ApplicationError(REVIEW_CONTEXT_NEEDED, code="access_context_required")
            item = ocr_item_accept(actor=request.user, item=item)
            plate_access_log(request=request, context=access, action="ocr.item.accept", result_count=1,
                             data_elements={"item": item.pk, "read_id": item.read_id, "plate": item.read.plate_current})
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Plate {item.read.plate_current} accepted.")
        return HttpResponseRedirect(reverse("ocr:job", args=[item.job_id]) + f"#item-{item.pk}")


class OcrItemCorrectView(OcrMixin, View):
    """Correct a misread through the reads correction service (R-READ-2: the original read stays)."""

    def post(self, request, pk: int):
        item = _item_or_404(request.user, pk)
        form = OcrCorrectionForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        else:
            try:  # logged under the purpose and case number stated for the upload (R-AUD-1a)
                access = access_context_from_request(request)
                if access is None:
                    raise ApplicationError(REVIEW_CONTEXT_NEEDED, code="access_context_required")
                # Logged first, on its own: a refusal ("already has the plate …") names the plate, and the review's
                # transaction, with the correction's own row, is rolled back when it refuses.
                plate_access_log(request=request, context=access, action="ocr.item.correct", result_count=1,
                                 data_elements={"item": item.pk, "read_id": item.read_id,
                                                "corrected_plate": form.cleaned_data["corrected_plate"]})
                item = ocr_item_correct(actor=request.user, item=item, **form.cleaned_data, context=access,
                                        request=request)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Corrected to {item.read.plate_current}; the original read "
                                          f"{item.read.plate_normalized} is kept.")
        return HttpResponseRedirect(reverse("ocr:job", args=[item.job_id]) + f"#item-{item.pk}")
