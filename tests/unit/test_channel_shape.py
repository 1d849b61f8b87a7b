"""Every registered channel app has the channel shape of docs/adding-a-channel.md.

The same files, the same names and the same signatures in every `channels_<name>/`: a
newcomer who knows one channel knows where everything is in the others, and a fourth
channel has a template to copy. The check is also run on throwaway apps missing a piece,
so it is known to fail when a piece is missing.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import shutil
import sys
from pathlib import Path

import pytest
from django.apps import apps

from inbox.connectors import Connector, registry

# Files every channel app has, and the folders beside them.
FILES = ("apps.py", "connector.py", "client.py", "webhooks.py", "parse.py", "actions.py")
FILES += ("polling.py",)
FOLDERS = ("standin", "fixtures")
# What a connector method may hold beyond delegating: a few lines (docstring excluded).
MAX_METHOD_LINES = 12
# The foundation's own test double predates the shape and tests the core, not a channel;
# the toy channel (tests/support/channels_toy) is the suite's channel in the shape.
NOT_CHANNEL_APPS = {"testchat": "the foundation's test double (tests/support/testchat)"}


def problems(package: str) -> list[str]:
    """What the channel app `package` (a dotted module name) lacks of the shape."""
    root = Path(importlib.import_module(package).__file__).parent
    found = [f"{name} is missing" for name in FILES if not (root / name).is_file()]
    found += [f"{name}/ is missing" for name in FOLDERS if not (root / name).is_dir()]
    if found:
        return found
    found += _apps_problems(root / "apps.py")
    found += _signature(package, "webhooks", "handle", ["request"])
    found += _signature(package, "webhooks", "split", ["body"])
    found += _signature(package, "parse", "parse", ["payload", "channel"])
    found += _table(package, "parse", "HANDLERS", ["payload", "channel"])
    found += _signature(package, "actions", "perform", ["action"])
    found += _table(package, "actions", "PERFORMERS", ["action", "client"])
    found += _signature(package, "polling", "poll", ["channel"])
    found += _connector_problems(package)
    return found


def _apps_problems(path: Path) -> list[str]:
    """`ready()` registers the connector; the AppConfig has no other method."""
    tree = ast.parse(path.read_text())
    configs = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    if len(configs) != 1:
        return ["apps.py holds one AppConfig"]
    methods = [n.name for n in configs[0].body if isinstance(n, ast.FunctionDef)]
    found = [] if methods == ["ready"] else [f"apps.py has methods {methods}, not just ready()"]
    if "registry.register(" not in ast.get_source_segment(path.read_text(), configs[0]):
        found.append("apps.py ready() does not register the connector")
    return found


def _signature(package: str, module: str, name: str, params: list[str]) -> list[str]:
    where = f"{module}.{name}"
    function = getattr(importlib.import_module(f"{package}.{module}"), name, None)
    if not callable(function):
        return [f"{where} is missing"]
    return _params(where, function, params)


def _params(where: str, function, params: list[str]) -> list[str]:
    given = [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if given != params:
        return [f"{where} takes ({', '.join(given)}), not ({', '.join(params)})"]
    return []


def _table(package: str, module: str, name: str, params: list[str]) -> list[str]:
    table = getattr(importlib.import_module(f"{package}.{module}"), name, None)
    if not isinstance(table, dict) or not table:
        return [f"{module}.{name} is not a dict of handlers"]
    found = []
    for key, handler in table.items():
        if not isinstance(key, str) or not callable(handler):
            found.append(f"{module}.{name}[{str(key)!r}] is not a str -> callable entry")
        else:
            found += _params(f"{module}.{name}[{str(key)!r}]", handler, params)
    return found


def _connector_problems(package: str) -> list[str]:
    module = importlib.import_module(f"{package}.connector")
    classes = [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, Connector) and value is not Connector
        if value.__module__ == module.__name__
    ]
    if len(classes) != 1:
        return ["connector.py defines one Connector subclass"]
    connector = classes[0]
    found = [
        f"connector.py {connector.__name__} has no {attr}"
        for attr in ("kind", "label")
        if not getattr(connector, attr, "")
    ]
    for name, method in vars(connector).items():
        if inspect.isfunction(method) and _code_lines(method) > MAX_METHOD_LINES:
            found.append(
                f"connector.py {connector.__name__}.{name} has {_code_lines(method)} lines of "
                f"code; a connector delegates (at most {MAX_METHOD_LINES})"
            )
    return found


def _code_lines(function) -> int:
    """Lines of the body, less its docstring, comments and blank lines."""
    source = inspect.getsource(function)
    node = ast.parse(_dedent(source)).body[0]
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        return 0
    lines = _dedent(source).splitlines()[body[0].lineno - 1 : body[-1].end_lineno]
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def _dedent(source: str) -> str:
    import textwrap

    return textwrap.dedent(source)


def channel_apps() -> list[str]:
    """The app (dotted name) of every registered connector, less the foundation's double."""
    found = set()
    for connector in registry.all():
        config = apps.get_containing_app_config(type(connector).__module__)
        if config is not None and config.label not in NOT_CHANNEL_APPS:
            found.add(config.name)
    return sorted(found)


# ---- the registered channels ------------------------------------------------------------------


def test_the_channels_and_the_toy_channel_are_all_checked():
    assert {"channels_fb", "channels_ig", "channels_tw"} <= set(channel_apps())
    assert "tests.support.channels_toy" in channel_apps()


@pytest.mark.parametrize("package", channel_apps())
def test_every_registered_channel_app_has_the_shape(package):
    assert problems(package) == []


# ---- the check fails for an app missing a piece ----------------------------------------------

TOY = Path(__file__).resolve().parents[1] / "support" / "channels_toy"


@pytest.fixture
def throwaway(tmp_path, monkeypatch):
    """A copy of the toy channel as a top-level package `channels_throwaway` in tmp."""
    target = tmp_path / "channels_throwaway"
    shutil.copytree(TOY, target, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield target
    for name in [m for m in sys.modules if m.startswith("channels_throwaway")]:
        del sys.modules[name]


def test_the_toy_channel_copied_elsewhere_still_has_the_shape(throwaway):
    assert problems("channels_throwaway") == []


def test_a_channel_app_without_polling_fails(throwaway):
    (throwaway / "polling.py").unlink()
    assert problems("channels_throwaway") == ["polling.py is missing"]


def test_a_channel_app_without_a_stand_in_fails(throwaway):
    shutil.rmtree(throwaway / "standin")
    assert problems("channels_throwaway") == ["standin/ is missing"]


def test_performers_taking_the_client_first_fail(throwaway):
    actions = throwaway / "actions.py"
    actions.write_text(
        actions.read_text().replace(
            "def reply(action: OutboundAction, client: ToyClient)",
            "def reply(client: ToyClient, action: OutboundAction)",
        )
    )
    assert problems("channels_throwaway") == [
        "actions.PERFORMERS['reply'] takes (client, action), not (action, client)"
    ]


def test_a_parse_without_a_handler_table_fails(throwaway):
    parse = throwaway / "parse.py"
    parse.write_text(parse.read_text().replace("HANDLERS", "FIELD_TABLE"))
    assert problems("channels_throwaway") == ["parse.HANDLERS is not a dict of handlers"]


def test_a_webhook_module_with_other_names_fails(throwaway):
    webhooks = throwaway / "webhooks.py"
    webhooks.write_text(webhooks.read_text().replace("def split(", "def split_batch("))
    text = webhooks.read_text().replace("events_from_delivery(request.body, split)", "None")
    webhooks.write_text(text)
    assert problems("channels_throwaway") == ["webhooks.split is missing"]


def test_a_connector_with_logic_of_its_own_fails(throwaway):
    connector = throwaway / "connector.py"
    body = "".join(f"        total = {i}\n" for i in range(MAX_METHOD_LINES))
    connector.write_text(
        connector.read_text()
        + f"\n    def permalink(self, channel, external_id):\n{body}        return str(total)\n"
    )
    assert problems("channels_throwaway") == [
        f"connector.py ToyConnector.permalink has {MAX_METHOD_LINES + 1} lines of code; "
        f"a connector delegates (at most {MAX_METHOD_LINES})"
    ]


def test_an_app_config_doing_more_than_registering_fails(throwaway):
    apps_py = throwaway / "apps.py"
    apps_py.write_text(apps_py.read_text() + "\n    def import_models(self):\n        pass\n")
    assert problems("channels_throwaway") == [
        "apps.py has methods ['ready', 'import_models'], not just ready()"
    ]
