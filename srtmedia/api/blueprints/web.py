"""The browser side: the web page at /, the OpenAPI document and its Swagger UI at /docs."""
from flask import Blueprint, current_app, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from srtmedia.api.openapi import build_spec

bp = Blueprint("web", __name__, static_folder="../../static", static_url_path="/static",
               template_folder="../../templates")
_SPEC_KEY = "srtmedia.api.openapi"


@bp.get("/")
def index():
    """The web page: upload, follow and read your tasks; it asks for what the auth mode needs."""
    return render_template("index.html", auth_mode=current_app.extensions["srtmedia"].config.auth)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document, built once per app."""
    if _SPEC_KEY not in current_app.extensions:
        current_app.extensions[_SPEC_KEY] = build_spec(current_app)
    return current_app.extensions[_SPEC_KEY]


@bp.get("/docs")
def docs():
    """Swagger UI on /openapi.json, from local files only."""
    return bp.send_static_file("docs.html")


@bp.get("/docs/assets/<path:filename>")
def docs_asset(filename):
    """Swagger UI's own files, from the swagger-ui-bundle package."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
