from django.core.management.base import BaseCommand, CommandError

from inbox.connectors import registry
from inbox.models import Channel


class Command(BaseCommand):
    help = "Connect an account by its id and token, for scripted setups and tests."

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"one of: {', '.join(registry.kinds()) or 'none yet'}")
        parser.add_argument("--external-id", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--token", required=True)
        parser.add_argument("--api-base", default="", help="e.g. a local stand-in's URL")
        parser.add_argument("--handle", default="")

    def handle(self, *args, kind, external_id, name, token, api_base, handle, **options):
        try:
            connector = registry.get(kind)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        channel, created = Channel.objects.update_or_create(
            kind=connector.kind,
            external_id=external_id,
            defaults={"name": name, "api_base_url": api_base, "handle": handle},
        )
        channel.credentials = {**channel.credentials, "access_token": token}
        channel.save(update_fields=["credentials"])
        self.stdout.write(f"{'created' if created else 'updated'} channel {channel.pk}: {channel}")
