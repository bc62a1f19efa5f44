"""OCR API: upload photos as a job, list my jobs, follow one job (status, progress, timings, results)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.access_context import access_context_for_api, plate_access_log
from apps.ocr.api.serializers import OcrJobInputSerializer, OcrJobOutputSerializer, OcrJobSummarySerializer
from apps.ocr.models import OcrJob
from apps.ocr.selectors import ocr_job_detail_for, ocr_job_list_visible_to
from apps.ocr.services.uploads import ocr_job_create
from apps.training.gate import TrainingCurrent


class CanUploadPhotos(BasePermission):
    message = "You may not upload photos for OCR."

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("ocr.add_ocrjob")


class OcrJobListCreateApi(APIView):
    """GET: my upload jobs (newest first, at most 100). POST (multipart): ``photos`` (repeatable) with optional
    ``captured_at``, ``latitude``/``longitude``, ``case_number``, ``note`` → 201 with the job; each photo refused
    at upload (not an image, empty, too big, a decompression bomb) is a failed item with the reason."""

    permission_classes = [IsAuthenticated, CanUploadPhotos, TrainingCurrent]
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: OcrJobSummarySerializer(many=True)})
    def get(self, request):
        jobs = ocr_job_list_visible_to(user=request.user)[:100]
        return Response(OcrJobSummarySerializer(jobs, many=True).data)

    @extend_schema(request={"multipart/form-data": OcrJobInputSerializer}, responses={201: OcrJobOutputSerializer})
    def post(self, request):
        data = {key: request.data.get(key) for key in request.data if key != "photos"}
        data["photos"] = request.FILES.getlist("photos")
        serializer = OcrJobInputSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        job = ocr_job_create(actor=request.user, **serializer.validated_data)
        job = ocr_job_detail_for(user=request.user, job_id=job.pk)
        return Response(OcrJobOutputSerializer(job).data, status=status.HTTP_201_CREATED)


class OcrJobDetailApi(APIView):
    """One of my jobs: status, progress, timings, and each photo's candidates, read and alternates. The plates read
    are ALPR data: needs ``purpose`` and ``case_number`` (or the session's) and is logged (R-AUD-1a)."""

    permission_classes = [IsAuthenticated, CanUploadPhotos, TrainingCurrent]

    @extend_schema(parameters=[OpenApiParameter("purpose", str), OpenApiParameter("case_number", str)],
                   responses={200: OcrJobOutputSerializer})
    def get(self, request, pk: int):
        try:  # another person's job is 404 before the purpose is asked for
            job = ocr_job_detail_for(user=request.user, job_id=pk)
        except OcrJob.DoesNotExist as exc:
            raise Http404 from exc
        access = access_context_for_api(request)
        items = list(job.items.all())
        plate_access_log(request=request, context=access, action="ocr.job.view", data_elements={
            "job": job.pk, "reads": [item.read_id for item in items if item.read_id]}, result_count=len(items))
        return Response(OcrJobOutputSerializer(job).data)
