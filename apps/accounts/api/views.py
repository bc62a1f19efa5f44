from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.selectors import background_check_latest, background_check_required_for
from apps.training.selectors import alpr_access_status_for, training_status_for


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    agency = serializers.CharField(allow_null=True)
    job_title = serializers.CharField(help_text="Job title or designation (R-ACC-5).")
    affiliation = serializers.CharField(help_text="member or contractor (R-ACC-5).")
    roles = serializers.ListField(child=serializers.CharField())
    training_current = serializers.BooleanField()
    training_valid_until = serializers.DateField(allow_null=True)
    training_message = serializers.CharField()
    policy_to_acknowledge = serializers.DictField(
        allow_null=True, help_text="The usage and privacy policy version in force not yet acknowledged (R-ACC-7).")
    background_check_required = serializers.BooleanField()
    background_check_completed_on = serializers.DateField(allow_null=True, help_text="R-ACC-6.")
    may_query_reads = serializers.BooleanField(
        help_text="Training, acknowledgment and background check all in order (R-ACC-2, R-ACC-7, R-ACC-6).")
    access_messages = serializers.ListField(child=serializers.CharField())


class MeApi(APIView):
    """Who am I, which roles do I hold, and is my training current? (Open to any signed-in person.)"""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        user = request.user
        status = training_status_for(user=user)
        access = alpr_access_status_for(user=user, querying=user.is_internal and user.has_perm("reads.query_reads"))
        pending = access.policy_to_acknowledge
        check = background_check_latest(user=user)
        data = {
            "username": user.username,
            "full_name": user.get_full_name(),
            "agency": user.agency.name if user.agency_id else None,
            "job_title": user.job_title,
            "affiliation": user.affiliation,
            "roles": sorted(user.roles),
            "training_current": status.current,
            "training_valid_until": status.valid_until,
            "training_message": status.message,
            "policy_to_acknowledge": ({"id": pending.pk, "title": pending.title, "version": pending.version,
                                       "effective_on": pending.effective_on.isoformat(), "sha256": pending.sha256}
                                      if pending is not None else None),
            "background_check_required": background_check_required_for(user=user),
            "background_check_completed_on": check.completed_on if check else None,
            "may_query_reads": bool(user.has_perm("reads.query_reads") and access.current),
            "access_messages": access.messages,
        }
        return Response(MeOutputSerializer(data).data)
