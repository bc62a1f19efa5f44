from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated

from apps.training.models import TrainingRecord
from apps.training.selectors import training_record_list_visible_to


class TrainingRecordOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.CharField(source="person.username")
    course = serializers.CharField(source="course.title")
    course_kind = serializers.CharField(source="course.kind")
    completed_on = serializers.DateField()
    instructor = serializers.CharField()


class TrainingRecordListApi(ListAPIView):
    """Training records visible to the caller: their own; a supervisor's team; all for training staff."""

    permission_classes = [IsAuthenticated]
    serializer_class = TrainingRecordOutputSerializer
    queryset = TrainingRecord.objects.none()  # the schema's model; rows come from the selector

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return training_record_list_visible_to(user=self.request.user)
