from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Nightly schedule"
    COMMAND = "command", "Management command"
    MANUAL = "manual", "Started from the portal"


# Retention periods of the policies this portal was written from (R-RET-1). Shown on the policy page so a custodian
# can see where a setting comes from; the deploying agency's own row is what retention applies.
POLICY_PRESETS = [
    ("LA County Sheriff's Department, policy §VI", 730, "2 years, then logically archived"),
    ("Los Alamitos PD 471.5 / Hawthorne PD 427.4", 365, "at least 1 year (Gov. Code § 34090.6), then purged"),
    ("Los Angeles Port Police 462.4", 1825, "at least 5 years (LAHD schedule), then purged"),
]
