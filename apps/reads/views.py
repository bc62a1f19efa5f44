"""Pages: plate search, read detail (images, corrections, viewers), image download, cameras and their status.

Every page of read data is behind login, the ``reads.query_reads`` permission and the training gate (R-ACC-2), and
every search, export and detail view is logged with its purpose and case number before anything is shown (R-READ-3).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django.views.generic import TemplateView

from apps.audit.access_context import AccessContext, access_context_from_request, plate_access_log
from apps.audit.choices import Purpose
from apps.common.errors import ApplicationError
from apps.common.views import PortalPermissionRequiredMixin
from apps.reads.api.views import csv_response
from apps.reads.forms import CameraStatusForm, PurposeFieldsMixin, ReadCorrectionForm, ReadSearchForm
from apps.reads.hooks import export_egress, plate_watch_targets
from apps.reads.images import read_image_response
from apps.reads.links import IMAGE_KINDS, read_image_link_context, read_image_url
from apps.reads.models import Read
from apps.reads.presenters import (
    STORY_SORTS,
    camera_map_points,
    plate_groups,
    plate_story,
    read_map_points,
    reads_sorted,
)
from apps.reads.selectors import (
    camera_list_visible_to,
    camera_not_reporting,
    read_detail_for,
    read_for_image,
    read_is_admin,
    read_list_visible_to,
    read_search,
    read_search_export,
    read_viewers,
)
from apps.reads.services.cameras import camera_may_report_status, camera_report_status
from apps.reads.services.corrections import read_correct
from apps.training.gate import TrainingRequiredMixin

PAGE_SIZE = 50
GROUPED_PAGE_SIZE = 500  # grouped by plate and a plate's story: the newest 500 matches


class ReadDataMixin(PortalPermissionRequiredMixin, TrainingRequiredMixin):
    """Anonymous → login; without ``reads.query_reads`` → 403; lapsed training → the training page (R-ACC-2)."""

    permission_required = "reads.query_reads"


def _purpose_query(purpose: str, case_number: str) -> str:
    return urlencode({"purpose": purpose, "case_number": case_number})


SEARCH_VIEWS = {"reads": "Reads", "plates": "Grouped by plate", "story": "A plate's story"}
STORY_NEEDS_PLATE = "A plate's story needs a full plate: showing the results grouped by plate instead."
# Each image shown is its own access-log row (reads.image), and every row counts towards the unusual-volume alert
# (R-SEC-2): the story shows the images of its latest 12 sightings in the gallery and none in its table.
GALLERY_MAX = 12


def _state_of(region: str) -> str:
    """A read's region as a hot-list entry's two-letter state ("CA", "US-CA", "us-ca" → "CA")."""
    state = (region or "").strip().split("-")[-1].upper()
    return state if len(state) == 2 and state.isalpha() else ""


class ReadSearchView(ReadDataMixin, TemplateView):
    """Search reads by plate (full or partial), time, cameras, area and vehicle attributes, with a purpose and a case
    number. Shown as a list (``view=reads``), grouped by plate (``plates``) or as one plate's story (``story``: its
    timeline, gallery and map); each is the same logged search (R-READ-3), and the map's points are embedded in
    this page, never fetched separately (issue #17)."""

    template_name = "reads/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        submitted = "purpose" in self.request.GET or "plate" in self.request.GET
        form = ReadSearchForm(self.request.GET if submitted else None)
        area = ("south", "west", "north", "east", "center_lat", "center_lon", "radius_km")
        vehicle = ("vehicle_color", "vehicle_make", "vehicle_model", "vehicle_body_type", "vehicle_year", "direction")
        view_mode = self.request.GET.get("view") if self.request.GET.get("view") in SEARCH_VIEWS else "reads"
        context.update(form=form, is_admin=read_is_admin(self.request.user), area_fields=[form[name] for name in area],
                       vehicle_fields=[form[name] for name in vehicle],
                       vehicle_open=any(form[name].value() for name in vehicle), view_mode=view_mode,
                       search_views=SEARCH_VIEWS)
        if submitted and form.is_valid():
            if view_mode == "story" and (form.search.plate is None or not form.search.plate.is_exact):
                messages.info(self.request, STORY_NEEDS_PLATE)
                view_mode = context["view_mode"] = "plates"
            try:
                result = read_search(
                    user=self.request.user, search=form.search, purpose=form.cleaned_data["purpose"],
                    case_number=form.cleaned_data["case_number"],
                    page=(form.cleaned_data.get("page") or 1) if view_mode == "reads" else 1,
                    **form.justification_fields(),
                    page_size=PAGE_SIZE if view_mode == "reads" else GROUPED_PAGE_SIZE, request=self.request,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                return context
            carry = _purpose_query(form.cleaned_data["purpose"], form.cleaned_data["case_number"])
            access = AccessContext(purpose=form.cleaned_data["purpose"], case_number=form.cleaned_data["case_number"])
            query = self.request.GET.copy()
            for name in ("page", "view", "sort"):
                query.pop(name, None)
            user = self.request.user
            context.update(
                result=result, carry=carry, query=query.urlencode(), map_points=read_map_points(result.reads,
                                                                                                 carry=carry),
                rows=[{"read": read, "crop_url": read_image_url(read=read, kind="plate_crop", user=user,
                                                                   context=access)}
                      for read in result.reads],
                may_hold=user.has_perm("holds.add_evidencehold"), partial_view=result.total > len(result.reads),
                purpose=form.cleaned_data["purpose"], case_number=form.cleaned_data["case_number"],
            )
            if view_mode == "plates":
                story_query = query.copy()
                groups = plate_groups(result.reads)
                for group in groups:
                    story_query.setlist("plate", [group.plate])
                    group.story_query = story_query.urlencode() + "&view=story"
                context["groups"] = groups
            elif view_mode == "story":
                context.update(self._story(form, result, access))
        return context

    def _story(self, form, result, access) -> dict:
        user = self.request.user
        sort = self.request.GET.get("sort") if self.request.GET.get("sort") in STORY_SORTS else "time"
        story = plate_story(plate=form.search.plate.text, reads=result.reads)
        gallery = []
        for read in reversed(story.reads):  # the latest first
            vehicle = read_image_url(read=read, kind="vehicle_image", user=user, context=access)
            crop = read_image_url(read=read, kind="plate_crop", user=user, context=access)
            if vehicle or crop:
                gallery.append({"read": read, "vehicle_url": vehicle, "crop_url": crop})
            if len(gallery) >= GALLERY_MAX:
                break
        hot_lists = plate_watch_targets(user=user)  # registered by hot lists (R-HOT-1)
        vehicle = next((read for read in reversed(story.reads) if read.vehicle_make or read.vehicle_color), None)
        vehicle_description = " ".join(filter(None, [vehicle.vehicle_color, vehicle.vehicle_make,
                                                     vehicle.vehicle_model])) if vehicle else ""
        return {
            "story": story, "sort": sort, "story_sorts": STORY_SORTS, "gallery": gallery,
            "story_rows": [{"read": read, "crop_url": ""} for read in reads_sorted(story.reads, sort=sort)],
            "hot_lists": hot_lists,
            "hot_list_query": urlencode({"plate": story.plate, "case_number": form.cleaned_data["case_number"],
                                         "state": _state_of(story.reads[-1].region if story.reads else ""),
                                         "vehicle_description": vehicle_description}),
        }


class ReadExportView(ReadDataMixin, View):
    """CSV of a search's full result; the export is its own access-log row (``reads.export``) naming its recipient.
    For an outside recipient nothing is exported: it becomes a disclosure request for the custodian (R-SHR-8)."""

    def get(self, request):
        egress = export_egress()  # R-SHR-8: registered by the disclosures app
        form = ReadSearchForm(request.GET)
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
            return HttpResponseRedirect(reverse("reads:search") + "?" + request.GET.urlencode())
        try:
            recipient = egress.recipient_parse(request.GET)
            if recipient.outside:
                entered = egress.outside_export_enter(
                    actor=request.user, recipient=recipient, search=form.search, source="the reads export page",
                    purpose=form.cleaned_data["purpose"], case_number=form.cleaned_data["case_number"])
                messages.success(request, egress.outside_export_entered.format(
                    agency=recipient.agency.name, person=recipient.person, reference=entered.reference))
                return HttpResponseRedirect(reverse("reads:search") + "?" + request.GET.urlencode())
            reads, log = read_search_export(
                user=request.user, search=form.search, purpose=form.cleaned_data["purpose"],
                case_number=form.cleaned_data["case_number"], request=request,
                recipient=recipient.data_elements(), **form.justification_fields(),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("reads:search") + "?" + request.GET.urlencode())
        return csv_response(reads, log)


class PurposeForm(PurposeFieldsMixin):
    pass


class ReadDetailView(ReadDataMixin, TemplateView):
    """One read: images, original and corrected plate, correction history, and (administrators) who viewed it.
    Viewing is a logged access carrying the purpose and case number of the search it came from."""

    template_name = "reads/detail.html"

    def get_context_data(self, **kwargs):
        if not read_list_visible_to(user=self.request.user).filter(pk=kwargs["pk"]).exists():
            raise Http404("No such read.")  # before the purpose form, so a hidden read's existence never leaks
        context = super().get_context_data(**kwargs)
        form = PurposeForm(self.request.GET if "purpose" in self.request.GET else None)
        context["purpose_form"] = form
        if not form.is_bound or not form.is_valid():
            return context
        purpose, case_number = form.cleaned_data["purpose"], form.cleaned_data["case_number"]
        try:
            read = read_detail_for(user=self.request.user, read_id=kwargs["pk"], purpose=purpose,
                                   case_number=case_number, request=self.request)
        except Read.DoesNotExist as exc:
            raise Http404("No such read.") from exc
        user = self.request.user
        access = AccessContext(purpose=purpose, case_number=case_number)
        context.update(
            read=read, carry=_purpose_query(purpose, case_number), purpose_label=Purpose(purpose).label,
            case_number=case_number, corrections=list(read.corrections.all()),
            alternates=list(read.alternates.all()) if hasattr(read, "alternates") else [],
            agent_alerts=list(read.agent_alerts.all()),
            images={kind: read_image_url(read=read, kind=kind, user=user, context=access) for kind in IMAGE_KINDS},
            viewers=read_viewers(user=user, read=read)[:100] if read_is_admin(user) else None,
            may_correct=user.has_perm("reads.correct_read"),
            correction_form=ReadCorrectionForm(initial={"corrected_plate": read.plate_current}),
            map_points=read_map_points([read]),  # part of this logged view (reads.view)
        )
        return context


class ReadCorrectView(ReadDataMixin, View):
    permission_required = ("reads.query_reads", "reads.correct_read")

    def post(self, request, pk: int):
        read = get_object_or_404(read_list_visible_to(user=request.user), pk=pk)
        form = ReadCorrectionForm(request.POST)
        carry = _purpose_query(request.POST.get("purpose", ""), request.POST.get("case_number", ""))
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        else:
            try:  # the purpose and case number the read's page was opened with (hidden fields), else the session's
                correction = read_correct(actor=request.user, read=read, **form.cleaned_data, request=request,
                                          context=access_context_from_request(request))
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Corrected {correction.previous_plate} → {correction.corrected_plate}. "
                                          "The original read is kept.")
        return HttpResponseRedirect(reverse("reads:detail", args=[pk]) + "?" + carry)


class ReadImageView(ReadDataMixin, View):
    """Serve a vehicle image or plate crop: only through a signed link issued to this person by a logged search or
    view, and only while they may still see the read. Media is never served directly. Each image shown is its own
    access-log row (``reads.image``) under the purpose and case number the link was issued with (R-AUD-1a)."""

    def get(self, request, pk: int, kind: str):
        if kind not in IMAGE_KINDS:
            raise Http404
        access = read_image_link_context(token=request.GET.get("s", ""), read_id=pk, kind=kind, user=request.user)
        if access is None:
            raise PermissionDenied("This image link is not valid for you, or it has expired; search again.")
        try:
            read = read_for_image(user=request.user, read_id=pk)
        except Read.DoesNotExist as exc:
            raise Http404 from exc
        file = getattr(read, kind)
        if not file:
            raise Http404
        plate_access_log(request=request, context=access, action="reads.image",
                         data_elements={"read_id": read.pk, "image": kind, "plate": read.plate_current}, result_count=1)
        return read_image_response(read=read, kind=kind)  # SHA-256 checked before a byte is sent (R-SEC-2)


class CameraListView(LoginRequiredMixin, TrainingRequiredMixin, TemplateView):
    """Cameras and units with their status (administrators, supervisors: all; operators: their own units)."""

    template_name = "reads/cameras.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        cameras = list(camera_list_visible_to(user=user))
        if not cameras and not user.has_perm("reads.view_camera") and not user.has_perm(
                "reads.add_camerastatusreport"):
            raise PermissionDenied
        now = timezone.now()
        context["rows"] = [{"camera": camera, "may_report": camera_may_report_status(user=user, camera=camera),
                            "not_reporting": camera_not_reporting(camera=camera, now=now)}
                           for camera in cameras]
        context["silence_minutes"] = settings.PORTAL["CAMERA_HEARTBEAT_SILENCE_MINUTES"]
        context["camera_points"] = camera_map_points(cameras)
        return context


class CameraDetailView(LoginRequiredMixin, TrainingRequiredMixin, TemplateView):
    template_name = "reads/camera_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        camera = get_object_or_404(camera_list_visible_to(user=self.request.user), pk=kwargs["pk"])
        may_report = camera_may_report_status(user=self.request.user, camera=camera)
        next_status = "in_service" if camera.status == "out_of_service" else "out_of_service"
        context.update(
            not_reporting=camera_not_reporting(camera=camera, now=timezone.now()),
            silence_minutes=settings.PORTAL["CAMERA_HEARTBEAT_SILENCE_MINUTES"],
            camera=camera, reports=camera.status_reports.select_related("reported_by")[:50], may_report=may_report,
            camera_points=camera_map_points([camera]),
            status_form=CameraStatusForm(initial={"status": next_status}), next_status=next_status,
        )
        return context


class CameraStatusReportView(LoginRequiredMixin, TrainingRequiredMixin, View):
    """An officer reports a damaged unit (out of service) or its return to service (R-READ-5)."""

    def post(self, request, pk: int):
        camera = get_object_or_404(camera_list_visible_to(user=request.user), pk=pk)
        form = CameraStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        else:
            try:
                report = camera_report_status(actor=request.user, camera=camera, **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                flagged = f" {report.reads_flagged} reads already stored were flagged." if report.reads_flagged else ""
                messages.success(request, f"{camera} is now {report.get_status_display().lower()}.{flagged}")
        return HttpResponseRedirect(reverse("reads:camera", args=[pk]))
