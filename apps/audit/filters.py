import django_filters
from django.forms import DateInput

from apps.audit.choices import ALL_PURPOSE_CHOICES
from apps.audit.models import AccessLog


class AccessLogFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(field_name="username", lookup_expr="iexact", label="Username")
    case_number = django_filters.CharFilter(field_name="case_number", lookup_expr="iexact", label="Case number")
    purpose = django_filters.ChoiceFilter(choices=ALL_PURPOSE_CHOICES)
    action = django_filters.CharFilter(field_name="action", lookup_expr="istartswith")
    occurred_after = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label="From date",
                                               widget=DateInput(attrs={"type": "date"}))
    occurred_before = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label="To date",
                                                widget=DateInput(attrs={"type": "date"}))

    class Meta:
        model = AccessLog
        fields = ["username", "case_number", "purpose", "action", "occurred_after", "occurred_before"]
