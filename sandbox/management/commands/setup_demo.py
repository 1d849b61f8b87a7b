import secrets

from django.core.management.base import BaseCommand

from accounts.models import Role, User
from inbox.models import SavedReply, Tag
from rules.seed import seed_rules
from sandbox.standins import demo_standins

SAVED_REPLIES = [
    ("Thanks", "thanks", "Hi {first_name}, thank you so much for the kind words! {agent_name}"),
    ("Order status", "order", "Hi {first_name}, sorry for the wait. Could you send us your "
     "order number in a private message so we can check it? {agent_name}"),
    ("Returns", "returns", "Hi {first_name}, you can return anything within 30 days: "
     "https://polaris-outfitters.example/returns {agent_name}"),
]


class Command(BaseCommand):
    help = "Create the demo admin, agents, saved replies and sandbox channels (idempotent)."

    def handle(self, *args, **options):
        password = secrets.token_urlsafe(9)
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"role": Role.ADMIN, "first_name": "Ada",
                                        "is_staff": True, "is_superuser": True})
        admin.set_password(password)
        admin.save()
        for username, name, role in [("anna", "Anna", Role.AGENT), ("jack", "Jack", Role.AGENT),
                                     ("maria", "Maria", Role.MANAGER)]:
            user, _ = User.objects.get_or_create(username=username,
                                                 defaults={"first_name": name, "role": role})
            # A fresh password each run, the same for everyone: it is printed just below.
            user.set_password(password)
            user.save()
        for title, shortcut, body in SAVED_REPLIES:
            SavedReply.objects.get_or_create(title=title, defaults={"shortcut": shortcut,
                                                                    "body": body})
        for name in ["Payment", "Urgent", "Delivery", "Returns"]:
            Tag.objects.get_or_create(name=name)
        for standin in demo_standins():
            standin.module.setup_channels(standin.url)
        seed_rules()
        self.stdout.write(self.style.SUCCESS(
            "\nDemo ready at http://127.0.0.1:8000/\n"
            f"  admin login:  admin / {password}\n"
            f"  agents:       anna, jack (manager: maria), same password\n"))
