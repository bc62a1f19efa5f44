"""API of the justification review queue (R-PURP-2): what waits for review, and recording a review."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.justifications.choices import ReviewOutcome, SubjectKind
from apps.justifications.selectors import justification_queue_for, other_reason_entries, plate_less_searches
from apps.justifications.services import justification_review_record
from apps.training.gate import TrainingCurrent


class CanReviewJustifications(BasePermission):
    message = "You may not review justifications."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("justifications.review_justifications"))


class JustificationQueueApi(APIView):
    """Searches without a plate (their access-log rows: ``seq``, criteria, justification) and "other" hot-list entries
    that wait for a supervisor's review (R-PURP-2)."""

    permission_classes = [IsAuthenticated, CanReviewJustifications, TrainingCurrent]

    @extend_schema(responses={200: dict})
    def get(self, request):
        queue = justification_queue_for(user=request.user)
        return Response({
            "searches": [{"access_log_seq": row.seq, "id": row.pk, "occurred_at": row.occurred_at,
                          "username": row.username, "action": row.action, "purpose": row.purpose,
                          "case_number": row.case_number, "cameras": row.data_elements.get("cameras"),
                          "area": row.data_elements.get("area"), "time_from": row.data_elements.get("time_from"),
                          "time_to": row.data_elements.get("time_to"),
                          "justification": row.data_elements.get("justification"),
                          "attested": bool(row.data_elements.get("protected_activity_attested"))}
                         for row in queue.searches],
            "entries": [{"id": entry.pk, "hot_list": entry.hot_list.name, "plate_pattern": entry.plate_pattern,
                         "case_number": entry.case_number, "entered_by": str(entry.entered_by or ""),
                         "created_at": entry.created_at, "justification": entry.justification,
                         "attested_by": str(entry.attested_by or ""), "attested_at": entry.attested_at}
                        for entry in queue.entries],
        })


class JustificationReviewInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SubjectKind.choices)
    id = serializers.IntegerField(help_text="The access-log row's id (kind=search) or the entry's id.")
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class JustificationReviewCreateApi(APIView):
    """Record a review (R-PURP-2). 404 for a subject that is not a search without a plate or an "other" entry."""

    permission_classes = [IsAuthenticated, CanReviewJustifications, TrainingCurrent]

    @extend_schema(request=JustificationReviewInputSerializer, responses={201: dict})
    def post(self, request):
        data = JustificationReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["kind"] == SubjectKind.SEARCH:
            subject = {"access_log": get_object_or_404(plate_less_searches(), pk=values["id"])}
        else:
            subject = {"hot_list_entry": get_object_or_404(other_reason_entries(), pk=values["id"])}
        review = justification_review_record(actor=request.user, outcome=values["outcome"],
                                             note=values.get("note", ""), **subject)
        return Response({"id": review.pk, "kind": review.kind, "outcome": review.outcome,
                         "reviewed_by": request.user.username, "reviewed_at": review.reviewed_at},
                        status=status.HTTP_201_CREATED)
