"""Forms of the custodian's review actions in the admin (R-SHR-4)."""

from django import forms


class ApproveForm(forms.Form):
    statement = forms.CharField(
        label="Authorization statement", widget=forms.Textarea(attrs={"rows": 8, "cols": 90}),
        help_text="Your written authorization. It is stored unchangeably and printed in the letter sent with the "
                  "release.")
    signer_name = forms.CharField(label="Your name (typed signature)", max_length=200,
                                  help_text="Type your full name as it is on your account.")
    signer_title = forms.CharField(label="Your title", max_length=200)
    reviewed = forms.BooleanField(
        label="I have reviewed the request, its attachments, the eligibility result and the matching agreement.")


class DenyForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 90}),
                             help_text="The requester reads this reason.")


class InfoForm(forms.Form):
    message = forms.CharField(label="What is needed", widget=forms.Textarea(attrs={"rows": 4, "cols": 90}),
                              help_text="The requester reads this and answers on the request page.")


class ExamineImmigrationForm(forms.Form):
    """R-SHR-5a: what the custodian examined on the immigration path."""

    basis = forms.ChoiceField(label="What you examined", widget=forms.RadioSelect, choices=[
        ("judicial_warrant", "The attached judicial warrant"),
        ("state_or_county_law", "The cited state or county law (I confirm it requires the disclosure)")])
    court = forms.CharField(label="Court that issued the warrant", max_length=200, required=False)
    judge = forms.CharField(label="Judge who signed it", max_length=200, required=False)
    signed_on = forms.DateField(label="Date signed", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="Note (optional)", required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "cols": 90}))


class CloseForm(forms.Form):
    note = forms.CharField(label="Internal note (optional)", required=False,
                           widget=forms.Textarea(attrs={"rows": 3, "cols": 90}),
                           help_text="Not shown to the requester, who sees only “Closed” and the legal reason.")
    confirm = forms.BooleanField(label="Close the request as ineligible (R-SHR-6)")
