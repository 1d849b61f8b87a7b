from django import forms

from rules.destinations import UnsafeDestination, check_destination

from .models import SlackConnection


class SlackConnectionForm(forms.ModelForm):
    webhook_url = forms.URLField(max_length=1000, assume_scheme="https", required=True,
                                 label="Incoming webhook URL",
                                 help_text="From your Slack app's Incoming Webhooks page: "
                                           "https://hooks.slack.com/services/…")

    class Meta:
        model = SlackConnection
        fields = ["enabled", "new_conversations", "folder_channel", "folder_tag",
                  "assignments", "mentions", "sla"]
        labels = {"new_conversations": "Post new conversations",
                  "folder_channel": "…only from this channel", "folder_tag": "…only with this tag",
                  "assignments": "Post assignments", "mentions": "Post @mentions in notes",
                  "sla": "Post SLA about to breach / breached"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["webhook_url"].initial = self.instance.webhook_url

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"]
        try:
            return check_destination(url)  # the outgoing posts' SSRF guard
        except UnsafeDestination as exc:
            raise forms.ValidationError(str(exc)) from None

    def save(self, commit=True):
        self.instance.secret = {"webhook_url": self.cleaned_data["webhook_url"]}
        return super().save(commit)
