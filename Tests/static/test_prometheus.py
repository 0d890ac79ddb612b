"""deploy/prometheus/: the alert rules and the scrape configuration pass
promtool (the Debian `prometheus` package, installed by scripts/setup.sh),
the rules' own unit tests pass, every series a rule uses is one deloton
publishes, and every alert has its entry in the runbook."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from deploy_support import COMPOSE, DEPLOY, REPO, interpolate

PROMETHEUS = DEPLOY / "prometheus"
RULES = PROMETHEUS / "alerts.yml"
RUNBOOK = REPO / "docs" / "operations.md"
SERIES = re.compile(r"\bdeloton_[a-z0-9_]+\b")


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: run scripts/setup.sh (Debian package prometheus)"
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"] for rule in group["rules"]]


def test_rules_pass_promtool():
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_unit_tests_pass():
    result = promtool("test", "rules", str(PROMETHEUS / "alerts.test.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_scrape_config_passes_promtool():
    result = promtool("check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_issue_alerts_exist():
    names = {rule["alert"] for rule in rules()}
    assert {"DelotonConsumerLagGrowing", "DelotonAlertOutboxStuck", "DelotonIngestStalled",
            "DelotonDailyReportNotSent"} <= names


def test_rules_use_only_series_deloton_publishes():
    published: set[str] = set()
    for source in (REPO / "Sources").rglob("*.swift"):
        published |= set(SERIES.findall(source.read_text(encoding="utf-8")))
    for rule in rules():
        for name in SERIES.findall(rule["expr"]):
            assert name in published, f"{rule['alert']} uses {name}, which no deloton role publishes"


def test_every_alert_has_a_runbook_entry():
    runbook = RUNBOOK.read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
               for line in runbook.splitlines() if line.startswith("#")}
    for rule in rules():
        link = rule["annotations"]["runbook"]
        assert link.startswith("docs/operations.md#"), rule["alert"]
        assert link.split("#", 1)[1] in anchors, f"{rule['alert']}: docs/operations.md has no heading for {link}"


@pytest.mark.parametrize("job,service,port", [("deloton-ingest", "ingest", "9464"),
                                              ("deloton-schedule", "schedule", "9464"),
                                              ("deloton-serve", "serve", "9464")])
def test_compose_scrapes_the_ports_the_services_serve(job, service, port):
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {c["job_name"]: c["static_configs"][0]["targets"] for c in config["scrape_configs"]}
    assert targets[job] == [f"{service}:{port}"]
    services = yaml.safe_load(interpolate(COMPOSE.read_text(encoding="utf-8")))["services"]
    environment = services[service]["environment"]
    served = environment.get("DELOTON_METRICS_PORT") or environment.get("DELOTON_PORT")
    assert served == port
    # serve's /metrics on its API port needs a key: Prometheus scrapes its metrics port, as the others'.
    assert port in [str(p) for p in services[service].get("expose", [])]
    assert environment["DELOTON_HOST"] == "0.0.0.0"
    assert services[service]["environment"]["DELOTON_LOG_FORMAT"] == "json"
