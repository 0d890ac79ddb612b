"""Static checks of deploy/compose.yaml: YAML, the Compose Specification (a
strict parser), and the wiring between services that Compose cannot see."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from deploy_support import COMPOSE, ENV_NAME, interpolate, known_deloton_env

DELOTON_SERVICES = {"migrate", "simulate", "ingest", "serve", "schedule"}
LONG_RUNNING = {"broker", "postgres", "mail", "ingest", "serve", "schedule"}
ONE_SHOT = {"topics", "migrate"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    # PyYAML applies the `<<` merge keys, as Compose does.
    return yaml.safe_load(interpolate(COMPOSE.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def services(compose) -> dict[str, Any]:
    return compose["services"]


def test_follows_the_compose_specification():
    import compose_spec

    text = interpolate(COMPOSE.read_text(encoding="utf-8"))
    project = compose_spec.PyOptions(apply_merge=True).from_yaml(text)
    # Every volume, network, config and secret a service uses is declared.
    project.validate()
    assert set(project.service_names()) >= DELOTON_SERVICES | {"broker", "postgres", "mail"}


def test_interpolation_reads_overrides():
    text = interpolate(COMPOSE.read_text(encoding="utf-8"), {"POSTGRES_PASSWORD": "s3cret"})
    services = yaml.safe_load(text)["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"
    assert ":s3cret@postgres:" in services["serve"]["environment"]["DELOTON_DATABASE_URL"]


def test_every_dependency_exists_and_there_is_no_cycle(services):
    graph = {name: list((body.get("depends_on") or {})) for name, body in services.items()}
    for name, targets in graph.items():
        for target in targets:
            assert target in services, f"{name} depends on unknown service {target}"
            assert target != name

    visiting, done = set(), set()

    def visit(name: str, path: list[str]) -> None:
        assert name not in visiting, f"dependency cycle: {' -> '.join(path + [name])}"
        if name in done:
            return
        visiting.add(name)
        for target in graph[name]:
            visit(target, path + [name])
        visiting.discard(name)
        done.add(name)

    for name in graph:
        visit(name, [])


def test_dependency_conditions_match_what_the_target_offers(services):
    for name, body in services.items():
        for target, spec in (body.get("depends_on") or {}).items():
            condition = spec["condition"]
            if condition == "service_healthy":
                check = services[target].get("healthcheck", {})
                assert check and not check.get("disable"), f"{name} waits for {target} to be healthy, but it has no health check"
            if condition == "service_completed_successfully":
                assert target in ONE_SHOT, f"{name} waits for {target} to finish, but it runs forever"


def test_deloton_services_use_the_project_image(services):
    for name in DELOTON_SERVICES:
        body = services[name]
        assert body["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert body["build"]["context"] == "..", name
        assert body["image"] == "deloton:dev", name


def test_commands(services):
    assert services["migrate"]["command"] == ["migrate"]
    assert services["simulate"]["command"][:3] == ["simulate", "--to", "kafka"]
    assert services["ingest"]["command"] == ["ingest", "--source", "kafka"]
    assert services["serve"]["command"] == ["serve"]
    assert services["schedule"]["command"][0] == "schedule"


def test_start_order(services):
    for name in ("ingest", "serve", "schedule"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("ingest", "simulate"):
        assert services[name]["depends_on"]["topics"]["condition"] == "service_completed_successfully", name


def test_long_running_services_restart_and_report_health(services):
    for name in LONG_RUNNING:
        body = services[name]
        assert body.get("restart") in {"unless-stopped", "always", "on-failure"}, name
        check = body.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no health check"
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no", f"{name} runs once"


def test_health_checks_fit_each_role(services):
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    for name in ("ingest", "schedule"):
        assert services[name]["environment"]["DELOTON_LIVENESS_FILE"].startswith("/tmp/"), name
        assert services[name]["healthcheck"]["test"] == ["CMD", "deloton-healthcheck"]
    # serve's check is its HTTP /ready; a liveness file would never be touched.
    assert "DELOTON_LIVENESS_FILE" not in services["serve"]["environment"]
    assert services["serve"]["healthcheck"]["test"] == ["CMD", "deloton-healthcheck"]


def test_every_deloton_setting_is_one_deloton_knows(services):
    known = known_deloton_env()
    for name, body in services.items():
        environment = body.get("environment") or {}
        assert isinstance(environment, dict), f"{name}: use the mapping form for environment"
        for key in environment:
            if key.startswith("DELOTON_"):
                assert key in known, f"{name} sets unknown setting {key}"
            assert environment[key] is not None, f"{name}: {key} has no value"


def test_connection_settings_point_at_services(services):
    for name in DELOTON_SERVICES:
        env = services[name]["environment"]
        db = urlsplit(env["DELOTON_DATABASE_URL"])
        assert db.scheme in {"postgres", "postgresql"}
        assert db.hostname in services and db.hostname == "postgres"
        assert db.path == "/" + services["postgres"]["environment"]["POSTGRES_DB"]
        assert db.username == services["postgres"]["environment"]["POSTGRES_USER"]
        for broker in env["DELOTON_KAFKA_BROKERS"].split(","):
            host, port = broker.rsplit(":", 1)
            assert host in services, f"{name}: broker {host} is not a service"
            assert f"PLAINTEXT://{host}:{port}" in services[host]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
        smtp = urlsplit(env["DELOTON_SMTP_URL"])
        assert smtp.hostname == "mail" and smtp.port == 1025


def test_ingest_static_member_ids_are_unique(services):
    ids = [body["environment"]["DELOTON_INSTANCE"] for body in services.values()
           if "DELOTON_INSTANCE" in (body.get("environment") or {})]
    assert ids and len(ids) == len(set(ids))


def test_serve_listens_on_all_interfaces_and_publishes_8080(services):
    serve = services["serve"]
    assert serve["environment"]["DELOTON_HOST"] == "0.0.0.0"
    assert serve["environment"]["DELOTON_PORT"] == "8080"
    assert any(str(port).endswith(":8080:8080") or str(port) == "8080:8080" for port in serve["ports"])


def test_images_are_pinned(services):
    for name, body in services.items():
        image = body["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        assert tag and tag != "latest", f"{name}: pin the image tag ({image})"
    major = services["postgres"]["image"].split(":")[1].split("-")[0].split(".")[0]
    assert major in {"15", "16"}


def test_deloton_containers_are_hardened(services):
    for name in DELOTON_SERVICES:
        body = services[name]
        assert body.get("read_only") is True, name
        assert "ALL" in body.get("cap_drop", []), name
        assert "/tmp" in body.get("tmpfs", []), name


def test_no_unknown_setting_hides_in_the_file():
    text = COMPOSE.read_text(encoding="utf-8")
    named = set(ENV_NAME.findall(text))
    from deploy_support import DEPLOY_ONLY_ENV
    assert named - known_deloton_env() - DEPLOY_ONLY_ENV == set()
