from datetime import date

from django import forms
from django.utils import timezone

from apps.reports.choices import OversightBody, ReportKind, TransmittalMethod
from apps.reports.periods import report_period


def ended_period_choices(*, today: date | None = None, years: int = 3) -> list[tuple[str, str]]:
    """Every ended period of the last few years, newest first, as "kind:YYYY-MM-DD" choices."""
    today = today or timezone.localdate()
    choices = []
    for year in range(today.year, today.year - years - 1, -1):
        for kind, start in ((ReportKind.SEMIANNUAL, date(year, 7, 1)), (ReportKind.SEMIANNUAL, date(year, 1, 1)),
                            (ReportKind.ANNUAL_TRAINING, date(year, 1, 1))):
            period = report_period(kind=kind, start=start)
            if period.has_ended(today):
                label = f"{period.reference} — {ReportKind(kind).label}, {period.start:%b %-d, %Y} – " \
                        f"{period.end:%b %-d, %Y} (due {period.due_on:%b %-d, %Y})"
                choices.append((f"{kind}:{start.isoformat()}", label))
    return choices


class ReportDraftForm(forms.Form):
    period = forms.ChoiceField(label="Report and period")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = ended_period_choices()

    def clean_period(self):
        kind, start = self.cleaned_data["period"].split(":")
        return kind, date.fromisoformat(start)


class ReportIssueForm(forms.Form):
    """Issuing cannot be undone (R-REP-1a): the custodian confirms explicitly; the server checks it."""

    confirm = forms.BooleanField(
        required=True,
        label="I confirm: issue now. The figures are recomputed at this moment, the final PDFs are rendered from them "
              "and frozen; this cannot be undone.",
    )


class ReportTransmittalForm(forms.Form):
    """R-REP-1a: which body received its rendition, when and how. The rendition follows from the body."""

    body = forms.ChoiceField(label="Oversight body")
    method = forms.ChoiceField(choices=TransmittalMethod.choices, label="How it was sent")
    sent_at = forms.DateTimeField(
        required=False, label="Sent at", help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    recipient = forms.CharField(max_length=200, required=False, label="Addressee",
                                help_text="Person, office or e-mail address it was sent to.")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, bodies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [(body, OversightBody(body).label) for body in bodies]
