"""The OpenAPI document at /openapi.json and the Swagger UI at /docs."""
from openapi_spec_validator import validate
from service_support import app, client, config, redis_client  # noqa: F401

from srtmedia.api.errors import Problem
from srtmedia.api.openapi import api_rules


def spec_of(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    return response.get_json()


def test_document_validates_as_openapi_3(client):
    spec = spec_of(client)
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_every_route_and_method_is_described(app, client):
    paths = spec_of(client)["paths"]
    rules = api_rules(app)
    assert {"process.submit", "tasks.status", "tasks.result", "tasks.delete", "media.media", "users.my_tasks",
            "web.index", "web.openapi", "web.docs"} <= {rule.endpoint for rule in rules}
    for rule in rules:
        path = rule.rule.replace("<path:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in paths[path], (method, path)


def test_headers_statuses_and_problem_bodies(client):
    spec = spec_of(client)
    submit = spec["paths"]["/process/srt_media/"]["post"]
    params = {p["$ref"].rsplit("/", 1)[1] for p in submit["parameters"]}
    assert params == {"UserId", "IdempotencyKey"}
    assert set(submit["responses"]["202"]["headers"]) == {"Location", "Retry-After"}
    assert {"400", "401", "413", "429", "503"} <= set(submit["responses"])
    assert set(spec["components"]["responses"]["Problem429"]["headers"]) == {"Retry-After"}
    problem = spec["components"]["responses"]["Problem404"]["content"]["application/problem+json"]
    assert problem["schema"]["$ref"] == "#/components/schemas/Problem"
    assert spec["components"]["schemas"]["Problem"]["additionalProperties"] is True
    result = spec["paths"]["/tasks/{task_id}/result"]["get"]
    assert {"409", "410"} <= set(result["responses"])
    assert {"application/json", "application/x-subrip"} <= set(result["responses"]["200"]["content"])
    assert [p["name"] for p in result["parameters"] if p.get("in") == "query"] == ["format"]


def test_routes_added_later_are_described_from_their_docstring(config, redis_client):
    from srtmedia.app import create_app

    app = create_app(config, redis=redis_client)

    @app.get("/extra/<name>")
    def extra(name):
        """An extra route."""
        raise Problem(404, name)

    spec = app.test_client().get("/openapi.json").get_json()
    assert spec["paths"]["/extra/{name}"]["get"]["summary"] == "An extra route."
    validate(spec)


def test_docs_page_uses_local_assets_only(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    for asset in ("/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js",
                  "/docs/assets/swagger-ui-standalone-preset.js", "/static/docs.js"):
        assert asset in html
        assert client.get(asset).status_code == 200, asset
