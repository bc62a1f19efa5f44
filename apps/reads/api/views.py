"""Reads API: camera ingest (camera tokens only), purpose-gated search, detail, export, corrections, cameras."""

from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.audit.access_context import AccessContext, access_context_from_request, access_context_validate
from apps.audit.services import access_purpose_check
from apps.common.api.parsers import TextCheckedJSONObject
from apps.common.api.permissions import StrictModelPermissions
from apps.common.csv import csv_writer
from apps.common.downloads import download_content_disposition
from apps.common.errors import ApplicationError
from apps.reads.api.parsers import CameraIngestJSONParser
from apps.reads.api.serializers import (
    CameraInputSerializer,
    CameraOutputSerializer,
    CameraStatusInputSerializer,
    CameraStatusReportSerializer,
    CameraUpdateSerializer,
    IngestBatchResultSerializer,
    OpenAlprWebhookResultSerializer,
    ReadCorrectionInputSerializer,
    ReadCorrectionOutputSerializer,
    ReadDetailOutputSerializer,
    ReadOutputSerializer,
)
from apps.reads.authentication import CameraTokenAuthentication, IsCamera
from apps.reads.exports import CSV_HEADER, csv_rows
from apps.reads.forms import ReadSearchForm
from apps.reads.hooks import export_egress
from apps.reads.images import image_store, image_validate
from apps.reads.models import Camera, Read
from apps.reads.permissions import CanCorrectReads, CanQueryReads
from apps.reads.selectors import (
    camera_list_visible_to,
    read_detail_for,
    read_list_visible_to,
    read_search,
    read_search_export,
)
from apps.reads.services.cameras import camera_create, camera_report_status, camera_update
from apps.reads.services.corrections import read_correct
from apps.reads.services.ingest import batch_items_from_body, read_batch_ingest
from apps.reads.services.openalpr import read_openalpr_ingest
from apps.training.gate import TrainingCurrent

IMAGE_FILE_REQUIRED = "Send the image as a multipart file field named “image”."
OFFICER_UNKNOWN = "No active person has the username “{username}”."


class _CameraIngestApi(APIView):
    """Base of the ingest endpoints: camera tokens only, never a person's session or token."""

    authentication_classes = [CameraTokenAuthentication]
    permission_classes = [IsCamera]
    parser_classes = [CameraIngestJSONParser]
    throttle_classes: list = []


class ReadIngestApi(_CameraIngestApi):
    """Bulk ingest (R-READ-1): ``{"reads": [{read_id, plate, captured_at, region, latitude, longitude, confidence,
    vehicle_image | vehicle_image_ref, plate_crop | plate_crop_ref, metadata, vehicle, alternates, agent_version},
    …]}``, at most 1,000 per request. ``vehicle``: ``{color, make, model, body_type, year_min, year_max, direction}``
    (all optional; direction N…NW or degrees); ``alternates``: the camera's other candidate plates, ``[{plate,
    confidence 0–100}]``, at most 10 (issue #21).

    200 with one result per item, in order: ``stored`` (with id), ``duplicate`` (already stored with the same content:
    a retry is safe), ``conflict`` (the read_id is already stored with other content: the stored read is kept, this
    one is not stored, ``differences`` says what differs) or ``rejected`` (with a code and a message). 400 only when
    the body as a whole is unusable.
    """

    @extend_schema(request=dict, responses={200: IngestBatchResultSerializer})
    def post(self, request):
        items = batch_items_from_body(request.data)
        result = read_batch_ingest(camera=request.user.camera, items=items,
                                   text_checked=isinstance(request.data, TextCheckedJSONObject))
        return Response(result.as_dict(), status=status.HTTP_200_OK)


class OpenAlprWebhookApi(_CameraIngestApi):
    """The webhook an OpenALPR / Rekor Scout agent posts to. A final ``alpr_group`` becomes a read; a preview group
    (``is_preview``) is acknowledged with ``preview`` and never becomes a read; a ``heartbeat`` is recorded; other
    data types (alpr_results, alpr_alert…) are acknowledged with ``ignored``. A group resent with other content
    under the same uuid is a ``conflict``, as in a batch."""

    @extend_schema(request=dict, responses={200: OpenAlprWebhookResultSerializer})
    def post(self, request):
        return Response(read_openalpr_ingest(camera=request.user.camera, payload=request.data))


class IngestImageUploadApi(_CameraIngestApi):
    """Upload an image out of band (multipart ``image``); the answer's ``ref`` can be sent in a batch as
    ``vehicle_image_ref`` / ``plate_crop_ref`` instead of inline base64."""

    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {"image": {"type": "string",
                                                                                               "format": "binary"}}}},
                   responses={201: dict})
    def post(self, request):
        upload = request.FILES.get("image")
        if upload is None:
            raise ApplicationError(IMAGE_FILE_REQUIRED, code="image_required")
        image = image_validate(upload.read(), field="image")
        ref = image_store(image, camera_id=request.user.camera.pk, kind="upload", incoming=True)
        return Response({"ref": ref}, status=status.HTTP_201_CREATED)


_SEARCH_PARAMETERS = [
    OpenApiParameter("purpose", str, required=True, enum=None, description="R-PURP purpose (required)."),
    OpenApiParameter("case_number", str, required=True, description="Case or incident number (required)."),
    OpenApiParameter("plate", str, description="Plate; ? = one unknown character, * = any run (e.g. 7AB?12*)."),
    OpenApiParameter("start", str, description="ISO 8601; default: end minus 30 days."),
    OpenApiParameter("end", str, description="ISO 8601; default: now."),
    OpenApiParameter("camera", int, many=True, description="Camera id (repeatable)."),
    OpenApiParameter("south", float), OpenApiParameter("west", float), OpenApiParameter("north", float),
    OpenApiParameter("east", float), OpenApiParameter("center_lat", float), OpenApiParameter("center_lon", float),
    OpenApiParameter("radius_km", float), OpenApiParameter("page", int), OpenApiParameter("page_size", int),
    OpenApiParameter("justification", str, description="Required for a search without a plate (by area or "
                     "camera): why this area or camera is searched for the case (R-PURP-2); kept in the access log."),
    OpenApiParameter("attestation", bool, description="Required (true) for a search without a plate: the attestation "
                     "that it is not based solely on protected activities or characteristics (R-PURP-2)."),
    OpenApiParameter("vehicle_color", str, description="Vehicle colour as agents classify it (e.g. silver-gray)."),
    OpenApiParameter("vehicle_make", str), OpenApiParameter("vehicle_model", str),
    OpenApiParameter("vehicle_body_type", str), OpenApiParameter("vehicle_year", int),
    OpenApiParameter("direction", str, description="Direction of travel: N, NE, E, SE, S, SW, W or NW. Vehicle "
                     "attributes combine with a plate; without one the search is plate-less (R-PURP-2)."),
    OpenApiParameter("misread_tolerant", bool, description="Also match OCR confusions (O/0, I/1, B/8, S/5, Z/2, "
                     "G/6), OCR alternates and plates before a correction; such results carry a match_note."),
]


def _search_form_or_error(request) -> ReadSearchForm:
    form = ReadSearchForm(request.query_params)
    if not form.is_valid():
        missing = form.missing_purpose_error()
        if missing is not None:
            raise missing
        raise ValidationError({key: list(value) for key, value in form.errors.items()})
    return form


class ReadSearchApi(APIView):
    """Search reads (R-READ-3, R-READ-4). Requires ``purpose`` and ``case_number``; the access-log row (data
    elements and result count) is written before the page is returned. Archived reads: administrators only."""

    permission_classes = [IsAuthenticated, CanQueryReads, TrainingCurrent]

    @extend_schema(parameters=_SEARCH_PARAMETERS, responses={200: ReadOutputSerializer(many=True)})
    def get(self, request):
        form = _search_form_or_error(request)
        try:
            page_size = int(request.query_params.get("page_size", 50))
        except ValueError:
            page_size = 50
        result = read_search(
            user=request.user, search=form.search, purpose=form.cleaned_data["purpose"],
            case_number=form.cleaned_data["case_number"], page=form.cleaned_data.get("page") or 1,
            **form.justification_fields(),
            page_size=page_size, request=request,
        )
        access = AccessContext(purpose=form.cleaned_data["purpose"], case_number=form.cleaned_data["case_number"])
        results = ReadOutputSerializer(result.reads, many=True, context={"request": request, "access": access}).data
        if result.search.tolerant:
            for row in results:
                row["match_note"] = result.match_notes.get(row["id"], "")
        return Response({
            "count": result.total, "page": result.page, "num_pages": result.num_pages,
            "access_log_seq": result.access_log.seq, "results": results,
        })


_RECIPIENT_PARAMETERS = [
    OpenApiParameter("recipient", str, required=True, enum=["internal", "outside"],
                     description="Who receives the export (R-SHR-8): internal (own agency) or outside."),
    OpenApiParameter("recipient_agency", int, description="Outside: the receiving agency's id."),
    OpenApiParameter("recipient_person", str, description="Outside: the receiving person."),
    OpenApiParameter("recipient_legal_basis", str, description="Outside: the legal basis of the disclosure."),
]


class ReadExportApi(APIView):
    """The full result of a search as CSV (at most READ_EXPORT_MAX_ROWS rows), for the recipient it names. The
    export is itself logged with its recipient. For an outside recipient nothing is exported: 202 with the
    disclosure request it became, waiting for the custodian of records (R-SHR-8)."""

    permission_classes = [IsAuthenticated, CanQueryReads, TrainingCurrent]

    @extend_schema(parameters=_SEARCH_PARAMETERS + _RECIPIENT_PARAMETERS,
                   responses={(200, "text/csv"): str, 202: dict})
    def get(self, request):
        egress = export_egress()  # R-SHR-8: registered by the disclosures app
        form = _search_form_or_error(request)
        recipient = egress.recipient_parse(request.query_params)
        if recipient.outside:
            entered = egress.outside_export_enter(
                actor=request.user, recipient=recipient, search=form.search, source="the reads export API",
                purpose=form.cleaned_data["purpose"], case_number=form.cleaned_data["case_number"])
            return Response({"disclosure_request": {"id": entered.pk, "reference": entered.reference,
                                                    "status": entered.status, "recipient": recipient.label},
                             "message": egress.outside_export_entered.format(
                                 agency=recipient.agency.name, person=recipient.person,
                                 reference=entered.reference)},
                            status=status.HTTP_202_ACCEPTED)
        reads, log = read_search_export(
            user=request.user, search=form.search, purpose=form.cleaned_data["purpose"],
            case_number=form.cleaned_data["case_number"], request=request, recipient=recipient.data_elements(),
            **form.justification_fields(),
        )
        return csv_response(reads, log)


class _Echo:
    def write(self, value):
        return value


def csv_response(reads, log) -> StreamingHttpResponse:
    writer = csv_writer(_Echo())  # formulas neutralized (R-SHR-8)
    rows = (writer.writerow(row) for row in [CSV_HEADER, *csv_rows(reads)])
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = download_content_disposition(f"reads-{log.case_number[:30]}-{log.seq}.csv")
    response["X-Access-Log-Seq"] = str(log.seq)
    return response


class ReadDetailApi(APIView):
    """One read with its correction history. Needs the purpose and case number (carried from the search); the view
    is logged (``reads.view``). 404 for a read the person may not see (e.g. archived)."""

    permission_classes = [IsAuthenticated, CanQueryReads, TrainingCurrent]

    @extend_schema(parameters=_SEARCH_PARAMETERS[:2], responses={200: ReadDetailOutputSerializer})
    def get(self, request, pk: int):
        purpose, case_number = request.query_params.get("purpose", ""), request.query_params.get("case_number", "")
        try:  # a read the person may not see is 404 before the purpose is checked, so its existence never leaks
            read = read_detail_for(user=request.user, read_id=pk, purpose=purpose, case_number=case_number,
                                   request=request)
        except Read.DoesNotExist as exc:
            raise Http404 from exc
        access = AccessContext(*access_purpose_check(purpose=purpose, case_number=case_number))
        return Response(ReadDetailOutputSerializer(read, context={"request": request, "access": access}).data)


class ReadCorrectionCreateApi(APIView):
    """Record a correction of a misread plate (R-READ-2): the original stays, searches use the corrected plate. Needs
    the person's purpose and case number (in the body, the query, or stated this session): the answer names the plate
    the read had, so the correction is logged first (R-AUD-1a)."""

    permission_classes = [IsAuthenticated, CanCorrectReads, TrainingCurrent]

    @extend_schema(request=ReadCorrectionInputSerializer, responses={201: ReadCorrectionOutputSerializer})
    def post(self, request, pk: int):
        read = get_object_or_404(read_list_visible_to(user=request.user), pk=pk)
        data = ReadCorrectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        purpose, case_number = values.pop("purpose", None), values.pop("case_number", None)
        context = (access_context_validate(purpose=purpose or "", case_number=case_number or "", user=request.user)
                   if purpose is not None or case_number is not None else access_context_from_request(request))
        correction = read_correct(actor=request.user, read=read, **values, context=context, request=request)
        return Response(ReadCorrectionOutputSerializer(correction).data, status=status.HTTP_201_CREATED)


def _officer(username):
    if not username:
        return None
    officer = User.objects.filter(username=username, is_active=True).first()
    if officer is None:
        raise drf_serializers.ValidationError({"assigned_officer": [OFFICER_UNKNOWN.format(username=username)]})
    return officer


class CameraListCreateApi(APIView):
    """Cameras and units (administrators: ``reads.view_camera`` / ``reads.add_camera``)."""

    permission_classes = [IsAuthenticated, StrictModelPermissions, TrainingCurrent]
    queryset = Camera.objects.none()

    @extend_schema(responses={200: CameraOutputSerializer(many=True)})
    def get(self, request):
        return Response(CameraOutputSerializer(camera_list_visible_to(user=request.user), many=True).data)

    @extend_schema(request=CameraInputSerializer, responses={201: CameraOutputSerializer})
    def post(self, request):
        data = CameraInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["assigned_officer"] = _officer(fields.get("assigned_officer"))
        camera = camera_create(actor=request.user, agency=request.user.agency, **fields)
        return Response(CameraOutputSerializer(camera).data, status=status.HTTP_201_CREATED)


class CameraDetailApi(APIView):
    permission_classes = [IsAuthenticated, StrictModelPermissions, TrainingCurrent]
    queryset = Camera.objects.none()

    @extend_schema(responses={200: CameraOutputSerializer})
    def get(self, request, pk: int):
        camera = get_object_or_404(camera_list_visible_to(user=request.user), pk=pk)
        return Response(CameraOutputSerializer(camera).data)

    @extend_schema(request=CameraUpdateSerializer, responses={200: CameraOutputSerializer})
    def patch(self, request, pk: int):
        camera = get_object_or_404(camera_list_visible_to(user=request.user), pk=pk)
        data = CameraUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "assigned_officer" in changes:
            changes["assigned_officer"] = _officer(changes["assigned_officer"])
        camera = camera_update(actor=request.user, camera=camera, **changes)
        return Response(CameraOutputSerializer(camera).data)


class CameraStatusReportCreateApi(APIView):
    """Report a unit out of service (damaged) or back in service (R-READ-5). Operators: their own units."""

    permission_classes = [IsAuthenticated, TrainingCurrent]

    @extend_schema(request=CameraStatusInputSerializer, responses={201: CameraStatusReportSerializer})
    def post(self, request, pk: int):
        camera = get_object_or_404(camera_list_visible_to(user=request.user), pk=pk)
        data = CameraStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = camera_report_status(actor=request.user, camera=camera, **data.validated_data)
        return Response(CameraStatusReportSerializer(report).data, status=status.HTTP_201_CREATED)
