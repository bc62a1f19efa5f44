from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated

from apps.audit.choices import SystemPurpose
from apps.audit.filters import AccessLogFilter
from apps.audit.models import AccessLog
from apps.audit.selectors import access_log_list_visible_to
from apps.audit.services import access_log_record
from apps.common.api.permissions import StrictModelPermissions
from apps.training.gate import TrainingCurrent


class AccessLogOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessLog
        fields = [
            "seq", "occurred_at", "username", "agency_name", "action", "data_elements", "purpose", "case_number",
            "result_count", "client_address", "endpoint", "previous_hash", "row_hash",
        ]


class AccessLogListApi(ListAPIView):
    """The access log rows this person may review (R-AUD-1, R-AUD-3). The review itself is logged first."""

    permission_classes = [IsAuthenticated, StrictModelPermissions, TrainingCurrent]
    serializer_class = AccessLogOutputSerializer
    filterset_class = AccessLogFilter
    queryset = AccessLog.objects.none()  # for StrictModelPermissions and the schema; rows come from the selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return access_log_list_visible_to(user=self.request.user)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        access_log_record(
            user=request.user, action="audit.access_log.review",
            data_elements={"filters": {k: v for k, v in request.query_params.items() if k != "page" and v}},
            purpose=SystemPurpose.OVERSIGHT_AUDIT, case_number="access-log-review",
            result_count=self.paginator.page.paginator.count, request=request, allow_system_purpose=True,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
