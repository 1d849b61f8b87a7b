"""The OpenAPI 3 schema validates, and its browsable UI is served from our own static files."""

import re

from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from api.tokens import token_create


def test_the_schema_is_valid_openapi_3_and_lists_every_resource(client, agent):
    token = token_create(user=agent, name="codegen")[1]
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in (
        "/api/v1/conversations/",
        "/api/v1/conversations/{id}/reply/",
        "/api/v1/conversations/{id}/close/",
        "/api/v1/messages/{id}/actions/",
        "/api/v1/contacts/{id}/",
        "/api/v1/tags/",
        "/api/v1/saved-replies/",
        "/api/v1/rules/",
        "/api/v1/channels/{id}/",
    ):
        assert path in paths
    assert all(path.startswith("/api/v1/") for path in paths)
    assert schema["components"]["securitySchemes"]["bearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token from Settings → API tokens.",
    }
    listing = schema["paths"]["/api/v1/conversations/"]["get"]
    assert {"folder", "tag", "cursor", "q"} <= {p["name"] for p in listing["parameters"]}


def test_swagger_ui_loads_only_local_files_and_no_inline_script(agent_client):
    page = agent_client.get("/api/docs/").content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources, page
    for source in sources:
        assert source.startswith("/"), f"{source} is not served by us"
    static = [s for s in sources if s.startswith("/static/")]
    assert any("swagger-ui-bundle" in s for s in static)
    for source in static:
        assert finders.find(source.removeprefix("/static/").split("?")[0]), source
    # The start-up script is a file too (the split view), so a CSP without
    # 'unsafe-inline' still runs the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    script = [s for s in sources if "?script" in s or "script=" in s]
    assert script and agent_client.get(script[0]).status_code == 200


def test_the_docs_need_a_login(client):
    assert client.get("/api/docs/").status_code == 302
