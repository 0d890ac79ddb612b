"""Shared helpers for the static deployment checks: paths, the settings
deloton knows, and parsers that turn deploy files into plain Python data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
TERRAFORM = DEPLOY / "terraform"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
COMPOSE = DEPLOY / "compose.yaml"
HEALTHCHECK = DEPLOY / "healthcheck.sh"
DEPLOYMENT_DOC = REPO / "docs" / "deployment.md"

ENV_NAME = re.compile(r"\bDELOTON_[A-Z0-9_]+\b")

# Settings from the interface contract (shared/spec/interface.md) plus the
# ones the program also reads. Kept here so the checks run without shared/;
# widened below from the contract and the CLI sources when they are present.
_DELOTON_ENV = {
    "DELOTON_DATABASE_URL",
    "DELOTON_KAFKA_BROKERS",
    "DELOTON_KAFKA_TOPIC",
    "DELOTON_KAFKA_GROUP",
    "DELOTON_KAFKA_USERNAME",
    "DELOTON_KAFKA_PASSWORD",
    "DELOTON_KAFKA_SECURITY_PROTOCOL",
    "DELOTON_KAFKA_FROM_BEGINNING",
    "DELOTON_SMTP_URL",
    "DELOTON_SMTP_USERNAME",
    "DELOTON_SMTP_PASSWORD",
    "DELOTON_OUTBOX_DIR",
    "DELOTON_MAIL_FROM",
    "DELOTON_REPORT_TO",
    "DELOTON_ALERT_CC",
    "DELOTON_TIMEZONE",
    "DELOTON_STREAM_TIMEZONE",
    "DELOTON_STREAM_BY",
    "DELOTON_HOST",
    "DELOTON_PORT",
    "DELOTON_LIVENESS_FILE",
    "DELOTON_INSTANCE",
    "DELOTON_MIGRATE",
    "DELOTON_REQUIRE_KEY_FOR_READS",
}

# Names only the deploy files use (Compose interpolation), never the program.
DEPLOY_ONLY_ENV = {"DELOTON_IMAGE", "DELOTON_SIMULATE_SPEED"}


def known_deloton_env() -> set[str]:
    known = set(_DELOTON_ENV)
    interface = REPO.parent / "shared" / "spec" / "interface.md"
    if interface.is_file():
        known |= set(ENV_NAME.findall(interface.read_text(encoding="utf-8")))
    cli = REPO / "Sources" / "deloton"
    if cli.is_dir():
        for source in cli.rglob("*.swift"):
            known |= set(ENV_NAME.findall(source.read_text(encoding="utf-8")))
    return known


# ------------------------------------------------------------------ terraform


def terraform_files() -> list[Path]:
    return sorted(TERRAFORM.glob("*.tf"))


def load_hcl(path: Path) -> dict[str, Any]:
    import hcl2
    from hcl2 import SerializationOptions

    options = SerializationOptions(
        with_comments=False, explicit_blocks=False, strip_string_quotes=True
    )
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=options)


def walk_strings(node: Any) -> Iterator[str]:
    """Every string in a parsed structure, keys included (HCL object keys can
    be expressions)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                yield key
            yield from walk_strings(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from walk_strings(item)


def blocks(documents: dict[Path, dict[str, Any]], kind: str) -> Iterator[tuple[Path, str, Any]]:
    """(file, name, body) of every top-level `variable`, `output`... block."""
    for path, document in documents.items():
        for entry in document.get(kind, []):
            for name, body in entry.items():
                yield path, name, body


def resources(documents: dict[Path, dict[str, Any]], kind: str = "resource") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(type, name, body) of every resource (or data) block."""
    for path, document in documents.items():
        for entry in document.get(kind, []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    yield rtype, name, body


def merged_locals(documents: dict[Path, dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for document in documents.values():
        for entry in document.get("locals", []):
            merged.update(entry)
    return merged


def first_block(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if isinstance(value, list):
        assert value, f"block {name} is empty"
        return value[0]
    assert isinstance(value, dict), f"no {name} block"
    return value


# -------------------------------------------------------------------- compose

_INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
)


def interpolate(text: str, environment: dict[str, str] | None = None) -> str:
    """Compose's variable substitution for the forms the file uses, so the
    strict parser sees what Compose itself would validate."""
    environment = environment or {}

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = environment.get(name)
        if op in (":-",):
            return value if value else (arg or "")
        if op == "-":
            return value if value is not None else (arg or "")
        if op in (":+", "+"):
            present = bool(value) if op == ":+" else value is not None
            return (arg or "") if present else ""
        if op in (":?", "?"):
            if not value:
                raise ValueError(f"${{{name}}} is required: {arg}")
            return value
        return value or ""

    return _INTERPOLATION.sub(replace, text.replace("$$", "\0")).replace("\0", "$")
