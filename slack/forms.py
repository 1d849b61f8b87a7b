from django import forms

from rules.destinations import UnsafeDestination, check_destination

from .models import MEMBER_ID, SlackConnection


class SlackConnectionForm(forms.ModelForm):
    webhook_url = forms.URLField(
        max_length=1000,
        assume_scheme="https",
        required=True,
        label="Incoming webhook URL",
        help_text="From your Slack app's Incoming Webhooks page: "
        "https://hooks.slack.com/services/…",
    )

    members = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Slack member ids",
        help_text="One agent a line: their Switchboard username and Slack member id "
        '("anna U012ABCDEF"), so a post pings them; otherwise it names them.',
    )

    class Meta:
        model = SlackConnection
        fields = [
            "enabled",
            "new_conversations",
            "folder_channel",
            "folder_tag",
            "assignments",
            "mentions",
            "sla",
        ]
        labels = {
            "new_conversations": "Post new conversations",
            "folder_channel": "…only from this channel",
            "folder_tag": "…only with this tag",
            "assignments": "Post assignments",
            "mentions": "Post @mentions in notes",
            "sla": "Post SLA about to breach / breached",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["webhook_url"].initial = self.instance.webhook_url
            self.fields["members"].initial = "\n".join(
                f"{name} {member}" for name, member in (self.instance.member_ids or {}).items()
            )

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"]
        try:
            return check_destination(url)  # the outgoing posts' SSRF guard
        except UnsafeDestination as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_members(self):
        members = {}
        for number, line in enumerate(self.cleaned_data["members"].splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or not MEMBER_ID.fullmatch(parts[1]):
                raise forms.ValidationError(
                    f"Line {number}: a username, a space and a member id like U012ABCDEF."
                )
            members[parts[0]] = parts[1]
        return members

    def save(self, commit=True):
        self.instance.member_ids = self.cleaned_data["members"]
        self.instance.secret = {"webhook_url": self.cleaned_data["webhook_url"]}
        return super().save(commit)
