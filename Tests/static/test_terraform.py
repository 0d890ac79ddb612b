"""Static checks of deploy/terraform: every file parses as HCL2, and the
cross-references `terraform validate` would catch are checked here, since
no Terraform binary is available to run it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from deploy_support import (
    DOCKERFILE,
    TERRAFORM,
    blocks,
    first_block,
    known_deloton_env,
    load_hcl,
    merged_locals,
    resources,
    terraform_files,
    walk_strings,
    ENV_NAME,
)

EXPECTED_FILES = {
    "versions.tf", "main.tf", "variables.tf", "network.tf", "security.tf",
    "database.tf", "secrets.tf", "ecr.tf", "ecs.tf", "alb.tf", "iam.tf",
    "scheduler.tf", "outputs.tf",
}

VAR_REF = re.compile(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)")
LOCAL_REF = re.compile(r"\blocal\.([A-Za-z_][A-Za-z0-9_-]*)")
DATA_REF = re.compile(r"\bdata\.([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)")
RESOURCE_REF = re.compile(r"(?<![\w.])((?:aws|random)_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")
INTERPOLATION = re.compile(r"\$\{(.*)\}", re.S)


@pytest.fixture(scope="module")
def documents() -> dict[Path, dict[str, Any]]:
    return {path: load_hcl(path) for path in terraform_files()}


def expressions(node: Any) -> list[str]:
    """The expression parts of every string: literals cannot reference."""
    found = []
    for text in walk_strings(node):
        found.extend(INTERPOLATION.findall(text))
    return found


def without_variable_blocks(documents):
    return {path: {k: v for k, v in doc.items() if k != "variable"} for path, doc in documents.items()}


def test_layout_has_the_expected_files():
    names = {path.name for path in terraform_files()}
    assert EXPECTED_FILES <= names, f"missing: {sorted(EXPECTED_FILES - names)}"
    assert (TERRAFORM / "README.md").is_file()


@pytest.mark.parametrize("path", terraform_files(), ids=lambda p: p.name)
def test_every_file_parses_as_hcl2(path: Path):
    document = load_hcl(path)
    assert document, f"{path.name} parsed to nothing"


@pytest.mark.parametrize("path", terraform_files(), ids=lambda p: p.name)
def test_files_follow_terraform_fmt_basics(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert "\t" not in line, f"{path.name}:{number}: tab (terraform fmt uses two spaces)"
        assert line == line.rstrip(), f"{path.name}:{number}: trailing whitespace"
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0, f"{path.name}:{number}: odd indentation"


def test_providers_are_pinned(documents):
    terraform = [entry for doc in documents.values() for entry in doc.get("terraform", [])]
    assert len(terraform) == 1, "exactly one terraform {} block"
    settings = terraform[0]
    assert settings.get("required_version", "").startswith(">=")
    providers = first_block(settings, "required_providers")
    aws = providers["aws"]
    assert aws["source"] == "hashicorp/aws"
    assert re.fullmatch(r"~> 5\.\d+", aws["version"]), f"aws provider pin: {aws['version']}"
    for name, spec in providers.items():
        assert spec.get("version"), f"provider {name} is not pinned"


def test_every_variable_has_a_description_and_type(documents):
    declared = list(blocks(documents, "variable"))
    assert declared
    for path, name, body in declared:
        assert path.name == "variables.tf", f"variable {name} belongs in variables.tf"
        description = body.get("description", "")
        assert len(description) >= 15, f"variable {name} needs a real description"
        assert body.get("type"), f"variable {name} has no type"
        for validation in body.get("validation", []):
            assert f"var.{name}" in validation["condition"], f"{name}: validation must test var.{name}"
            assert validation.get("error_message"), f"{name}: validation without error_message"


def test_every_variable_used_is_declared_and_every_declared_is_used(documents):
    declared = {name for _, name, _ in blocks(documents, "variable")}
    used = set()
    for expression in expressions(without_variable_blocks(documents)):
        used |= set(VAR_REF.findall(expression))
    # One variable's validation may read another (allow_public_ingress in allowed_ingress_cidrs's).
    for _, name, body in blocks(documents, "variable"):
        for validation in body.get("validation", []):
            used |= set(VAR_REF.findall(validation["condition"])) - {name}
    assert used - declared == set(), f"undeclared variables: {sorted(used - declared)}"
    assert declared - used == set(), f"unused variables: {sorted(declared - used)}"


def test_every_local_used_is_defined(documents):
    defined = set(merged_locals(documents))
    used = set()
    for expression in expressions(documents):
        used |= set(LOCAL_REF.findall(expression))
    assert used - defined == set(), f"undefined locals: {sorted(used - defined)}"
    assert defined - used == set(), f"unused locals: {sorted(defined - used)}"


def test_every_resource_and_data_reference_resolves(documents):
    declared_resources = {(rtype, name) for rtype, name, _ in resources(documents)}
    declared_data = {(rtype, name) for rtype, name, _ in resources(documents, "data")}
    for expression in expressions(documents):
        for ref in DATA_REF.findall(expression):
            assert ref in declared_data, f"data.{ref[0]}.{ref[1]} is not declared"
        for ref in RESOURCE_REF.findall(expression.replace("data.", "data_")):
            assert ref in declared_resources, f"{ref[0]}.{ref[1]} is not declared"


def test_resource_names_are_unique(documents):
    seen = set()
    for kind in ("resource", "data"):
        for rtype, name, _ in resources(documents, kind):
            key = (kind, rtype, name)
            assert key not in seen, f"duplicate {kind} {rtype}.{name}"
            seen.add(key)


def test_outputs_have_descriptions(documents):
    outputs = list(blocks(documents, "output"))
    assert outputs
    for path, name, body in outputs:
        assert path.name == "outputs.tf", f"output {name} belongs in outputs.tf"
        assert body.get("description"), f"output {name} has no description"


def _one(documents, rtype: str, name: str) -> dict[str, Any]:
    for found_type, found_name, body in resources(documents):
        if (found_type, found_name) == (rtype, name):
            return body
    raise AssertionError(f"{rtype}.{name} is missing")


def test_daily_report_is_scheduled_at_0930_london(documents):
    schedules = [body for rtype, _, body in resources(documents) if rtype == "aws_scheduler_schedule"]
    assert len(schedules) == 1
    schedule = schedules[0]
    assert schedule["schedule_expression_timezone"] == "Europe/London"
    # EventBridge cron: minutes hours day-of-month month day-of-week year.
    assert schedule["schedule_expression"] == "cron(30 9 * * ? *)"
    target = first_block(schedule, "target")
    assert "aws_ecs_cluster.main.arn" in target["arn"]
    ecs = first_block(target, "ecs_parameters")
    assert "aws_ecs_task_definition.report" in ecs["task_definition_arn"]
    assert first_block(ecs, "network_configuration")["assign_public_ip"] is False
    report = merged_locals(documents)["task_roles"]["report"]
    assert report["command"] == ["report", "--send"]


def test_every_task_runs_the_ecr_image(documents):
    local_values = merged_locals(documents)
    assert "aws_ecr_repository.deloton.repository_url" in local_values["image"]
    assert "var.image_tag" in local_values["image"]
    assert local_values["container_defaults"]["image"] == "${local.image}"
    task_definitions = [(name, body) for rtype, name, body in resources(documents) if rtype == "aws_ecs_task_definition"]
    assert {name for name, _ in task_definitions} == {"serve", "ingest", "report", "migrate"}
    for name, body in task_definitions:
        containers = body["container_definitions"]
        assert "local.container_defaults" in containers, f"{name} does not use the shared image settings"
        assert body["requires_compatibilities"] == ["FARGATE"]
        assert "aws_iam_role.execution.arn" in body["execution_role_arn"]
        assert f"local.log_configuration.{name}" in containers, f"{name} has no CloudWatch logs"


def test_services_run_privately_and_serve_sits_behind_the_alb(documents):
    services = {name: body for rtype, name, body in resources(documents) if rtype == "aws_ecs_service"}
    assert set(services) == {"serve", "ingest"}
    for name, body in services.items():
        network = first_block(body, "network_configuration")
        assert network["assign_public_ip"] is False, f"{name} must not get a public IP"
        assert "aws_subnet.private" in network["subnets"]
    lb = first_block(services["serve"], "load_balancer")
    assert lb["container_name"] == "serve" and lb["container_port"] == 8080
    assert "load_balancer" not in services["ingest"], "ingest takes no traffic"
    assert services["ingest"]["deployment_maximum_percent"] == 100, "two live consumers with one static id fence each other"
    health = first_block(_one(documents, "aws_lb_target_group", "serve"), "health_check")
    assert health["path"] == "/ready" and str(health["matcher"]) == "200"


def test_ingest_members_have_static_ids_and_liveness(documents):
    ingest = _one(documents, "aws_ecs_task_definition", "ingest")
    containers = ingest["container_definitions"]
    assert "DELOTON_INSTANCE" in containers and "each.key" in containers
    assert "DELOTON_LIVENESS_FILE" in containers and "healthCheck" in containers


def test_database_is_private_encrypted_and_backed_up(documents):
    db = _one(documents, "aws_db_instance", "main")
    assert db["engine"] == "postgres"
    assert db["storage_encrypted"] is True
    assert db["publicly_accessible"] is False
    assert db["skip_final_snapshot"] is False
    assert "var.db_multi_az" in db["multi_az"]
    assert "var.db_backup_retention_days" in str(db["backup_retention_period"])
    assert "aws_db_subnet_group.main" in db["db_subnet_group_name"]
    subnet_group = _one(documents, "aws_db_subnet_group", "main")
    assert "aws_subnet.private" in subnet_group["subnet_ids"]
    params = _one(documents, "aws_db_parameter_group", "main")["parameter"]
    assert {"name": "rds.force_ssl", "value": "1"} in params
    url = _one(documents, "aws_secretsmanager_secret_version", "database_url")["secret_string"]
    # The server's certificate and host name are checked, against the RDS bundle the image holds.
    assert "?sslmode=verify-full&sslrootcert=" in url
    root = re.search(r"sslrootcert=([^\s\"&]+)", url).group(1)
    copied = re.findall(r"^COPY .*--from=build \S+ (\S+)$", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert root in copied, f"the image has no {root}"


def test_network_spans_two_zones_with_nat(documents):
    local_values = merged_locals(documents)
    assert "slice(" in local_values["azs"] and ", 0, 2)" in local_values["azs"]
    for name in ("public", "private"):
        assert "length(local.azs)" in str(_one(documents, "aws_subnet", name)["count"])
    _one(documents, "aws_nat_gateway", "main")
    private_route = first_block(_one(documents, "aws_route_table", "private"), "route")
    assert "aws_nat_gateway.main" in private_route["nat_gateway_id"]


def test_secrets_come_from_secrets_manager_only(documents):
    local_values = merged_locals(documents)
    assert "aws_secretsmanager_secret.database_url.arn" in local_values["database_secret"]["DELOTON_DATABASE_URL"]
    for name in ("DELOTON_KAFKA_USERNAME", "DELOTON_KAFKA_PASSWORD"):
        assert name in str(local_values["kafka_secrets"])
    for name in ("DELOTON_SMTP_URL", "DELOTON_SMTP_USERNAME", "DELOTON_SMTP_PASSWORD"):
        assert name in local_values["smtp_secrets"]
    # No secret in plain environment variables.
    plain = str(local_values["common_environment"])
    for word in ("PASSWORD", "USERNAME", "DATABASE_URL", "SMTP_URL"):
        assert word not in plain
    # No literal password anywhere.
    for rtype, name, body in resources(documents):
        for key in ("password", "secret_string"):
            if key in body:
                assert "${" in str(body[key]), f"{rtype}.{name}.{key} is a literal"


def test_every_deloton_setting_named_is_one_deloton_knows(documents):
    known = known_deloton_env()
    named = set()
    for text in walk_strings(documents):
        named |= set(ENV_NAME.findall(text))
    assert named, "the task definitions set no DELOTON_ settings?"
    assert named - known == set(), f"unknown settings: {sorted(named - known)}"


def test_log_groups_expire(documents):
    for rtype, name, body in resources(documents):
        if rtype == "aws_cloudwatch_log_group":
            assert "var.log_retention_days" in str(body.get("retention_in_days")), name


def test_ecr_tags_are_immutable_and_scanned(documents):
    repo = _one(documents, "aws_ecr_repository", "deloton")
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert first_block(repo, "image_scanning_configuration")["scan_on_push"] is True


# ------------------------------------------------- privacy and access (#17)


def _variable(documents, name: str) -> dict[str, Any]:
    for _, found, body in blocks(documents, "variable"):
        if found == name:
            return body
    raise AssertionError(f"variable {name} is missing")


def test_http_only_redirects_to_a_required_https_listener(documents):
    http = _one(documents, "aws_lb_listener", "http")
    action = first_block(http, "default_action")
    assert action["type"] == "redirect" and "target_group_arn" not in action, "port 80 must forward nothing"
    redirect = first_block(action, "redirect")
    assert redirect["protocol"] == "HTTPS" and str(redirect["port"]) == "443"
    https = _one(documents, "aws_lb_listener", "https")
    assert "count" not in https and "for_each" not in https, "the HTTPS listener always exists"
    assert https["protocol"] == "HTTPS" and https["certificate_arn"] == "${var.certificate_arn}"
    assert "TLS13" in https["ssl_policy"]
    assert "default" not in _variable(documents, "certificate_arn"), "certificate_arn is required"


def test_ingress_is_required_and_never_open_without_saying_so(documents):
    cidrs = _variable(documents, "allowed_ingress_cidrs")
    assert "default" not in cidrs, "allowed_ingress_cidrs is required"
    conditions = [v["condition"] for v in cidrs["validation"]]
    assert any("var.allow_public_ingress ||" in c and 'endswith(c, "/0")' in c for c in conditions)
    assert _variable(documents, "allow_public_ingress")["default"] is False
    # The load balancer's only ingress: 80 and 443 from those networks.
    ingress = {name: body for rtype, name, body in resources(documents)
               if rtype == "aws_vpc_security_group_ingress_rule" and "aws_security_group.alb.id" in body["security_group_id"]}
    assert {(b["from_port"], b["to_port"]) for b in ingress.values()} == {(80, 80), (443, 443)}
    for body in ingress.values():
        assert body["for_each"] == "${toset(var.allowed_ingress_cidrs)}" and body["cidr_ipv4"] == "${each.value}"


def test_egress_is_only_what_the_tasks_need(documents):
    for rtype, name, body in resources(documents):
        if rtype == "aws_security_group":
            assert "egress" not in body and "ingress" not in body, f"{name}: rules are separate resources"
    egress = {name: body for rtype, name, body in resources(documents) if rtype == "aws_vpc_security_group_egress_rule"}
    assert set(egress) == {"alb_to_serve", "task_https", "task_database", "worker_kafka", "worker_smtp"}
    for name, body in egress.items():
        assert body["ip_protocol"] == "tcp", f"{name}: one protocol, named ports"
        assert body["from_port"] == body["to_port"], f"{name}: one port, not a range"
        if body.get("cidr_ipv4") == "0.0.0.0/0":
            assert body["from_port"] in (443, "${var.smtp_port}"), f"{name}: the internet only for HTTPS and mail"
    assert egress["task_database"]["referenced_security_group_id"] == "${aws_security_group.database.id}"
    assert egress["task_database"]["from_port"] == 5432
    kafka = egress["worker_kafka"]
    assert "var.kafka_broker_cidrs" in kafka["for_each"] and "local.kafka_ports" in kafka["for_each"]
    assert kafka["cidr_ipv4"] == "${each.value.cidr}"
    for name in ("worker_kafka", "worker_smtp"):
        assert egress[name]["security_group_id"] == "${aws_security_group.worker.id}", f"{name}: serve needs neither"
    assert "default" not in _variable(documents, "kafka_broker_cidrs"), "kafka_broker_cidrs is required"
    ports = merged_locals(documents)["kafka_ports"]
    assert "var.kafka_brokers" in ports, "Kafka ports come from the brokers' own addresses"


def test_serve_requires_credentials_and_prints_no_sign_in_link(documents):
    local_values = merged_locals(documents)
    serve = local_values["task_roles"]["serve"]["environment"]
    for environment in (serve, local_values["common_environment"]):
        assert not {"DELOTON_PUBLIC_READS", "DELOTON_CORS_ORIGIN"} & set(environment), "reads need a key or a session"
    # The task's output goes to CloudWatch: a sign-in link there would let log readers in.
    assert serve["DELOTON_NO_SIGN_IN_LINK"] == "1"
