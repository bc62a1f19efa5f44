"""Shifts API (R-OPS-1, R-READ-5a): an officer signs a unit on from the patrol car (with the start-of-shift
inspection) and off; supervisors read a shift's gap report and record its review. Times are the server's: a body
that sends one is refused."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agencies.shift_windows import SHIFT_CHOICES, shift_for_sign_on
from apps.common.server_time import client_times_refuse
from apps.shifts.forms import ShiftChoiceForm
from apps.shifts.selectors import shift_gap_report, sign_on_list_visible_to, sign_on_open_for, units_for_sign_on
from apps.shifts.services import shift_gap_review_record, unit_sign_off, unit_sign_on
from apps.training.gate import TrainingCurrent


def _perm(codename: str, text: str):
    class _Permission(BasePermission):
        message = text

        def has_permission(self, request, view) -> bool:
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(codename))

    return _Permission


CanSignOn = _perm("shifts.add_unitsignon", "You may not sign units on.")
CanViewGaps = _perm("shifts.view_shiftgapreview", "You may not see shift gap reports.")
CanReviewGaps = _perm("shifts.add_shiftgapreview", "You may not record reviews of shift gaps.")


def sign_on_as_dict(sign_on) -> dict:
    return {
        "id": sign_on.pk, "unit": sign_on.camera.name, "unit_id": sign_on.camera_id,
        "officer": sign_on.officer.get_username(), "shift_date": sign_on.shift_date.isoformat(),
        "shift": sign_on.shift, "status": sign_on.status, "signed_on_at": sign_on.signed_on_at.isoformat(),
        "inspection": {"affixed": sign_on.inspection_affixed, "undamaged": sign_on.inspection_undamaged,
                       "note": sign_on.inspection_note},
        "hot_lists": [{"hot_list": v.hot_list.name, "version": v.number}
                      for v in sign_on.hot_list_versions.select_related("hot_list")],
        "signed_off_at": sign_on.signed_off_at.isoformat() if sign_on.signed_off_at else None,
        "sign_off_note": sign_on.sign_off_note,
    }


class SignOnInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="The mobile unit's (camera's) id.")
    affixed = serializers.BooleanField(help_text="Start-of-shift inspection: the camera is properly affixed.")
    undamaged = serializers.BooleanField(help_text="Start-of-shift inspection: no damage found.")
    inspection_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SignOffInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class GapReviewInputSerializer(serializers.Serializer):
    day = serializers.DateField()
    shift = serializers.ChoiceField(choices=SHIFT_CHOICES)
    note = serializers.CharField(max_length=4000)


class MyUnitsApi(APIView):
    """The units the person signs on, each with its open sign-on (or null) and the shift a sign-on now is for."""

    permission_classes = [IsAuthenticated, CanSignOn, TrainingCurrent]

    @extend_schema(responses={200: dict})
    def get(self, request):
        shift_date, shift = shift_for_sign_on(timezone.now())
        units = []
        for camera in units_for_sign_on(user=request.user):
            open_sign_on = sign_on_open_for(camera=camera)
            units.append({"id": camera.pk, "name": camera.name, "status": camera.status,
                          "sign_on": sign_on_as_dict(open_sign_on) if open_sign_on else None})
        return Response({"shift_date": shift_date.isoformat(), "shift": shift, "units": units})


class SignOnApi(APIView):
    """Sign a unit on for this shift with the start-of-shift inspection (R-OPS-1, R-READ-5a). 201 with the sign-on
    and the hot-list versions the unit loads; a failed inspection is also 201, ``status: failed_inspection``, and
    the unit is reported out of service."""

    permission_classes = [IsAuthenticated, CanSignOn, TrainingCurrent]

    @extend_schema(request=SignOnInputSerializer, responses={201: dict})
    def post(self, request):
        client_times_refuse(request.data)
        data = SignOnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        camera = get_object_or_404(units_for_sign_on(user=request.user), pk=data.validated_data["unit"])
        sign_on = unit_sign_on(actor=request.user, camera=camera, affixed=data.validated_data["affixed"],
                               undamaged=data.validated_data["undamaged"],
                               inspection_note=data.validated_data["inspection_note"])
        return Response(sign_on_as_dict(sign_on), status=status.HTTP_201_CREATED)


class SignOffApi(APIView):
    """Sign a unit off (R-OPS-1); before the shift's end a note is required."""

    permission_classes = [IsAuthenticated, CanSignOn, TrainingCurrent]

    @extend_schema(request=SignOffInputSerializer, responses={200: dict})
    def post(self, request, pk: int):
        client_times_refuse(request.data)
        sign_on = get_object_or_404(sign_on_list_visible_to(user=request.user), pk=pk)
        data = SignOffInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(sign_on_as_dict(unit_sign_off(actor=request.user, sign_on=sign_on,
                                                      note=data.validated_data["note"])))


def _report_as_dict(report) -> dict:
    return {
        "shift_date": report.shift_date.isoformat(), "shift": report.shift, "start": report.start.isoformat(),
        "end": report.end.isoformat(), "in_progress": report.in_progress, "gap_count": report.gap_count,
        "units": [{"unit": row.camera.name, "officer": row.officer.get_username() if row.officer else None,
                   "out_of_service": row.out_of_service, "reads": row.reads, "gap": row.gap or None,
                   "gap_detail": row.gap_detail, "sign_ons": [sign_on_as_dict(s) for s in row.sign_ons]}
                  for row in report.rows],
        "reviews": [{"id": r.pk, "reviewed_by": r.reviewed_by.get_username(), "reviewed_at": r.reviewed_at.isoformat(),
                     "note": r.note, "gap_count": r.gap_count} for r in report.reviews],
    }


class GapReportApi(APIView):
    """A shift's gap report (default: the current shift) with its reviews (R-OPS-1)."""

    permission_classes = [IsAuthenticated, CanViewGaps, TrainingCurrent]

    @extend_schema(parameters=[OpenApiParameter("day", str), OpenApiParameter("shift", str)],
                   responses={200: dict})
    def get(self, request):
        form = ShiftChoiceForm(request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise serializers.ValidationError({key: list(value) for key, value in form.errors.items()})
        shift_date, shift = form.chosen()
        return Response(_report_as_dict(shift_gap_report(user=request.user, shift_date=shift_date, shift=shift)))


class GapReviewApi(APIView):
    """Record the review of a shift's gaps: the note; who and when are the server's (R-OPS-1)."""

    permission_classes = [IsAuthenticated, CanViewGaps, CanReviewGaps, TrainingCurrent]

    @extend_schema(request=GapReviewInputSerializer, responses={201: dict})
    def post(self, request):
        client_times_refuse(request.data)
        data = GapReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = shift_gap_review_record(actor=request.user, shift_date=data.validated_data["day"],
                                         shift=data.validated_data["shift"], note=data.validated_data["note"])
        return Response({"id": review.pk, "reviewed_by": review.reviewed_by.get_username(),
                         "reviewed_at": review.reviewed_at.isoformat(), "gap_count": review.gap_count,
                         "unit_count": review.unit_count, "gaps": review.gaps}, status=status.HTTP_201_CREATED)
