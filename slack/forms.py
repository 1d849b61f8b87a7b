import re

from django import forms

from rules.destinations import UnsafeDestination, check_destination

from .models import MEMBER_ID, Method, SlackConnection

BOT_TOKEN = re.compile(r"xoxb-[A-Za-z0-9-]{6,250}")


class SlackConnectionForm(forms.ModelForm):
    method = forms.ChoiceField(
        choices=Method.choices,
        widget=forms.RadioSelect,
        label="Post with",
        initial=Method.WEBHOOK,
        required=False,
    )
    webhook_url = forms.URLField(
        max_length=1000,
        assume_scheme="https",
        required=False,
        label="Incoming webhook URL",
        help_text="From your Slack app's Incoming Webhooks page: "
        "https://hooks.slack.com/services/…",
    )
    bot_token = forms.CharField(
        required=False,
        max_length=255,
        widget=forms.PasswordInput(render_value=False),
        label="Bot token",
        help_text="The app's Bot User OAuth Token (xoxb-…, scope chat:write), from its "
        "OAuth & Permissions page. Left blank, the saved one is kept.",
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
            "method",
            "channel",
            "enabled",
            "new_conversations",
            "folder_channel",
            "folder_tag",
            "assignments",
            "mentions",
            "sla",
        ]
        labels = {
            "channel": "Channel (bot token)",
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
        if not url:
            return url
        try:
            return check_destination(url)  # the outgoing posts' SSRF guard
        except UnsafeDestination as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_bot_token(self):
        token = self.cleaned_data["bot_token"].strip()
        if token and not BOT_TOKEN.fullmatch(token):
            raise forms.ValidationError("A bot token starts with xoxb-.")
        return token or self.instance.bot_token

    def clean(self):
        data = super().clean()
        data["method"] = self.instance.method = data.get("method") or Method.WEBHOOK
        if data["method"] == Method.BOT:
            if not data.get("bot_token") and "bot_token" not in self.errors:
                self.add_error("bot_token", "A bot token is needed to post with one.")
            if not data.get("channel", "").strip():
                self.add_error("channel", "The channel the bot posts to, e.g. C0123ABCD.")
        elif not data.get("webhook_url") and "webhook_url" not in self.errors:
            self.add_error("webhook_url", "An incoming webhook URL is needed to post with one.")
        return data

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
        # Both kept, so switching back and forth loses neither.
        self.instance.secret = {
            "webhook_url": self.cleaned_data["webhook_url"] or self.instance.webhook_url,
            "bot_token": self.cleaned_data["bot_token"],
        }
        return super().save(commit)
