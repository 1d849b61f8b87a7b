from django.core.management.base import BaseCommand

from accounts.models import Role, User
from inbox.models import SavedReply, Tag
from rules.seed import seed_rules
from sandbox import logins
from sandbox.standins import demo_standins

SAVED_REPLIES = [
    ("Thanks", "thanks", "Hi {first_name}, thank you so much for the kind words! {agent_name}"),
    (
        "Order status",
        "order",
        "Hi {first_name}, sorry for the wait. Could you send us your "
        "order number in a private message so we can check it? {agent_name}",
    ),
    (
        "Returns",
        "returns",
        "Hi {first_name}, you can return anything within 30 days: "
        "https://polaris-outfitters.example/returns {agent_name}",
    ),
]


class Command(BaseCommand):
    help = "Create the demo accounts, saved replies and sandbox channels (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        passwords, made_now = logins.load()
        for account in logins.ACCOUNTS:
            is_admin = account.role == Role.ADMIN
            user, created = User.objects.get_or_create(
                username=account.username,
                defaults={
                    "first_name": account.first_name,
                    "role": account.role,
                    "is_staff": is_admin,
                    "is_superuser": is_admin,
                },
            )
            # Set once: a restart keeps the logins printed before (and any password a
            # person chose since); new logins are only made with a new var/.
            if created or made_now:
                user.set_password(passwords[account.username])
                user.save()
        for title, shortcut, body in SAVED_REPLIES:
            SavedReply.objects.get_or_create(
                title=title, defaults={"shortcut": shortcut, "body": body}
            )
        for name in ["Payment", "Urgent", "Delivery", "Returns"]:
            Tag.objects.get_or_create(name=name)
        for standin in demo_standins():
            standin.module.setup_channels(standin.url)
        seed_rules()
        self.stdout.write(self.style.SUCCESS(logins.describe(passwords, url=url)))
