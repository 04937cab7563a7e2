"""Operators' pieces without processes: config files, guards, readiness, webhook rules and signing."""
import os
import socket

import pytest
from service_support import app, client, config, redis_client, service_config, submit  # noqa: F401

from srtmedia.app import create_app
from srtmedia.config import Config
from srtmedia.pipeline.options import Options
from srtmedia.settings import read_env_file
from srtmedia.tasks.webhooks import WebhookRefused, check_target, sign

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "config")


@pytest.mark.parametrize("cls", [Config, Options])
def test_defaults_file_lists_every_setting_with_its_default(cls):
    path = os.path.join(CONFIG_DIR, ".env.example")
    assert set(cls._ENV.values()) <= set(read_env_file(path))
    assert cls.from_env({"SRTMEDIA_CONFIG": path}) == cls.from_env({})


def test_config_file_is_read_under_the_environment(tmp_path):
    path = tmp_path / "srtmedia.env"
    path.write_text('# comment\nMAX_GLOBAL_CONCURRENT_TASKS=7\nexport SRTMEDIA_ADMIN_USER="ops"\n'
                    "SRTMEDIA_DATA_DIR=/from/file\n")
    config = Config.from_env({"SRTMEDIA_CONFIG": str(path), "SRTMEDIA_DATA_DIR": "/from/env"})
    assert (config.max_tasks_global, config.admin_user, config.data_dir) == (7, "ops", "/from/env")
    path.write_text("no equals sign\n")
    with pytest.raises(ValueError, match="expected KEY=VALUE"):
        Config.from_env({"SRTMEDIA_CONFIG": str(path)})


def test_production_example_loads():
    config = Config.from_env({"SRTMEDIA_CONFIG": os.path.join(CONFIG_DIR, "production.env")})
    assert config.redis_url.startswith("redis://") and config.max_tasks_global == 40


def test_admin_routes_are_never_open(client):  # noqa: F811
    for path in ("/rq/", "/rq", "/metrics"):
        assert client.get(path).status_code == 404, path


def test_metrics_token_does_not_open_the_dashboard(tmp_path, redis_client):  # noqa: F811
    app = create_app(service_config(tmp_path, metrics_token="t0ken"), redis=redis_client)
    web = app.test_client()
    assert web.get("/metrics").status_code == 401
    assert web.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert web.get("/metrics", headers={"Authorization": "Bearer t0ken"}).status_code == 200
    assert web.get("/rq/", headers={"Authorization": "Bearer t0ken"}).status_code == 404


def test_readyz_wants_a_worker(client):  # noqa: F811
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["redis"] == "ok" and answer.json["checks"]["workers"] == "none alive"
    assert client.get("/healthz").status_code == 200


def test_submit_with_webhook_when_disabled_is_a_problem(client):  # noqa: F811
    answer = submit(client, webhook_url="https://hooks.example.com/x")
    assert answer.status_code == 400 and answer.content_type == "application/problem+json"
    assert "not enabled" in answer.json["detail"]


def hooks(hosts):
    return service_config("/tmp", webhook_secret="whsec_c2VjcmV0", webhook_allowed_hosts=hosts)


@pytest.fixture
def resolve(monkeypatch):
    """Names resolve to the address the test gives, without DNS."""
    table = {}

    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table.get(host, host), port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return table


def test_allow_list_patterns(resolve):
    resolve.update({"a.example.com": "93.184.216.34", "b.example.com": "93.184.216.35"})
    config = hooks("*.example.com, b.example.com:8443")
    assert check_target("https://a.example.com/hook", config)
    assert check_target("https://b.example.com:8443/x", config)
    for url in ("https://evil.test/x", "ftp://a.example.com/x", "https://user:pw@a.example.com/x", "not a url"):
        with pytest.raises(WebhookRefused):
            check_target(url, config)


def test_internal_addresses_need_an_exact_entry(resolve):
    resolve.update({"internal.example.com": "10.0.0.5", "meta.example.com": "169.254.169.254"})
    for host in ("internal.example.com", "meta.example.com"):
        with pytest.raises(WebhookRefused, match="internal address"):
            check_target(f"http://{host}/x", hooks("*.example.com"))
    assert check_target("http://internal.example.com/x", hooks("internal.example.com"))
    assert check_target("http://127.0.0.1:9000/x", hooks("127.0.0.1:9000"))
    with pytest.raises(WebhookRefused):
        check_target("http://127.0.0.1:9001/x", hooks("127.0.0.1:9000"))


def test_signature_matches_the_standard_webhooks_reference():
    signature = sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                     b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
