from django import forms

from apps.retention.models import RetentionPolicy


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["read_retention_days", "archive_purge_days", "non_hit_purge_days", "hit_retention_days",
                  "hotlist_retention_days", "access_log_retention_days", "disclosure_record_retention_days",
                  "release_copy_retention_days", "held_read_list_retention_days", "evidence_export_retention_days",
                  "policy_reference"]
