from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.training.selectors import training_status_for


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    agency = serializers.CharField(allow_null=True)
    job_title = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    training_current = serializers.BooleanField()
    training_valid_until = serializers.DateField(allow_null=True)
    training_message = serializers.CharField()


class MeApi(APIView):
    """Who am I, which roles do I hold, and is my training current? (Open to any signed-in person.)"""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        user = request.user
        status = training_status_for(user=user)
        data = {
            "username": user.username,
            "full_name": user.get_full_name(),
            "agency": user.agency.name if user.agency_id else None,
            "job_title": user.job_title,
            "roles": sorted(user.roles),
            "training_current": status.current,
            "training_valid_until": status.valid_until,
            "training_message": status.message,
        }
        return Response(MeOutputSerializer(data).data)
