"""The deloton processes a deployment file starts, as JSON, so a test can run
them here: `python3 deploy_roles.py compose|ecs` reads a JSON object of
rewrites on stdin and prints one object per role:

    {"name", "command": [...], "environment": {...}, "kind": "once"|"server"|"worker"}

Only what cannot run on this machine is rewritten: where Kafka, PostgreSQL
and SMTP are (throwaway servers on 127.0.0.1), ports (free ones), the
listening address, files under a scratch folder, and the names of the topic
and group (so tests do not share them). Everything else is the file's own.

Rewrites (stdin): brokers, database_url, read_database_url (a replica's), smtp_url, topic, group, dir,
report_to, and for compose `compose_env` (its ${VAR} settings), for ECS
`variables` (what a tfvars file would set) and `ingest_instance`.
"""

from __future__ import annotations

import json
import re
import socket
import sys
from pathlib import Path
from typing import Any

import yaml

from deploy_support import COMPOSE, blocks, interpolate, load_hcl, merged_locals, resources, terraform_files


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rewrite(name: str, environment: dict[str, str], r: dict[str, Any]) -> dict[str, str]:
    env = dict(environment)
    fixed = {"DELOTON_DATABASE_URL": r["database_url"], "DELOTON_KAFKA_BROKERS": r["brokers"],
             "DELOTON_SMTP_URL": r["smtp_url"], "DELOTON_KAFKA_TOPIC": r["topic"], "DELOTON_KAFKA_GROUP": r["group"]}
    for key, value in fixed.items():
        if key in env:
            env[key] = value
    if "DELOTON_HOST" in env:
        env["DELOTON_HOST"] = "127.0.0.1"
    for key in ("DELOTON_PORT", "DELOTON_METRICS_PORT"):
        if key in env:
            env[key] = str(free_port())
    if "DELOTON_LIVENESS_FILE" in env:
        env["DELOTON_LIVENESS_FILE"] = str(Path(r["dir"]) / name / Path(env["DELOTON_LIVENESS_FILE"]).name)
    return env


# -------------------------------------------------------------------- compose


def compose_roles(r: dict[str, Any]) -> list[dict[str, Any]]:
    document = yaml.safe_load(interpolate(COMPOSE.read_text(encoding="utf-8"), r.get("compose_env", {})))
    roles = []
    for name, body in document["services"].items():
        if not str(body.get("image", "")).startswith("deloton:"):
            continue
        environment = {k: str(v) for k, v in (body.get("environment") or {}).items()}
        check = body.get("healthcheck") or {}
        if body.get("restart") == "no" or check.get("disable") and body.get("restart") == "on-failure":
            kind = "once" if body.get("restart") == "no" else "producer"
        elif "DELOTON_LIVENESS_FILE" in environment:
            kind = "worker"
        else:
            kind = "server"
        roles.append({"name": name, "command": [str(c) for c in body["command"]],
                      "environment": rewrite(name, environment, r), "kind": kind})
    return roles


# ------------------------------------------------------------------------ ECS

class Terraform:
    """Evaluates the few expression forms the task definitions use."""

    def __init__(self, overrides: dict[str, Any], instance: str):
        documents = {p: load_hcl(p) for p in terraform_files()}
        self.variables = {name: body.get("default") for _, name, body in blocks(documents, "variable")}
        self.variables.update(overrides)
        self.locals = merged_locals(documents)
        self.instance = instance
        self.tasks = {name: body for rtype, name, body in resources(documents) if rtype == "aws_ecs_task_definition"}

    def string(self, text: str) -> str:
        """A string with ${...} interpolations."""
        return re.sub(r"\$\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", lambda m: str(self.expr(m.group(1))), text)

    def expr(self, e: str) -> Any:
        e = e.strip()
        if e.startswith('"') and e.endswith('"'):
            return self.string(e[1:-1])
        if m := re.fullmatch(r'startswith\((.+?), "(.*?)"\) \? (\{.*?\}) : (\{.*\})', e, re.S):
            return self.expr(m.group(3) if str(self.expr(m.group(1))).startswith(m.group(2)) else m.group(4))
        if m := re.fullmatch(r"(var\.\w+) \? (\{.*?\}) : (\{.*\})", e, re.S):
            return self.expr(m.group(2) if self.expr(m.group(1)) else m.group(3))
        if m := re.fullmatch(r'join\("(.*)", (.+)\)', e):
            return m.group(1).join(self.expr(m.group(2)))
        if m := re.fullmatch(r"tostring\((.+)\)", e):
            return str(self.expr(m.group(1)))
        if m := re.fullmatch(r"merge\((.+)\)", e, re.S):
            merged: dict[str, Any] = {}
            for part in split_top(m.group(1)):
                merged.update(self.expr(part))
            return merged
        if e.startswith("{") and e.endswith("}"):
            return {k: self.expr(v) for k, v in (pair.split(" = ", 1) for pair in split_top(e[1:-1]))}
        if e == "each.key":
            return self.instance
        if e.startswith("var."):
            return self.variables[e[4:]]
        if e.startswith("local."):
            value: Any = self.locals
            for key in e[6:].split("."):
                value = value[key]
            return self.value(value)
        if re.fullmatch(r"aws_\w+\.\w+(\[\d+\])?\.\w+", e):
            return e  # an AWS resource's attribute (a secret's ARN): only its place matters here
        raise ValueError(f"cannot evaluate {e!r}")

    def value(self, v: Any) -> Any:
        # python-hcl2 gives an expression as "${...}" and a literal as itself.
        if isinstance(v, str):
            if v.startswith("${") and v.endswith("}") and "${" not in v[2:]:
                return self.expr(v[2:-1])
            if v.startswith("${") and v.endswith("}") and v.count("${") > 1 and v[2:].lstrip().startswith(("merge", "startswith", "var.")):
                return self.expr(v[2:-1])
            return self.string(v) if "${" in v else v
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        return v

    def role(self, name: str, rewrites: dict[str, Any]) -> dict[str, Any]:
        text = self.tasks[name]["container_definitions"]
        command = re.search(r"command = (\[[^\]]*\]|local\.[\w.]+)", text).group(1)
        command = json.loads(command) if command.startswith("[") else self.expr(command)
        environment = self.expr(re.search(r"environment = \[for k, v in (merge\(.+?\)) : \{name", text, re.S).group(1))
        secrets = self.expr(re.search(r"secrets = \[for k, v in (.+?) : \{name = k, valueFrom", text, re.S).group(1))
        # ECS puts each secret in the environment; here the throwaway servers' values stand in.
        for key in secrets:
            environment[key] = {"DELOTON_DATABASE_URL": rewrites["database_url"],
                                "DELOTON_READ_DATABASE_URL": rewrites.get("read_database_url", rewrites["database_url"]),
                                "DELOTON_SMTP_URL": rewrites["smtp_url"]}.get(key, "")
        environment = {k: str(v) for k, v in environment.items() if v != ""}
        kind = {"migrate": "once", "report": "once", "serve": "server"}.get(name, "worker")
        return {"name": name, "command": command, "environment": rewrite(name, environment, rewrites), "kind": kind}


def split_top(text: str) -> list[str]:
    """Splits on commas that are not inside brackets, braces, parentheses or strings."""
    parts, depth, current, quoted = [], 0, "", False
    for i, c in enumerate(text):
        if c == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        if not quoted:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            elif c == "," and depth == 0:
                parts.append(current.strip())
                current = ""
                continue
        current += c
    if current.strip():
        parts.append(current.strip())
    return parts


def ecs_roles(r: dict[str, Any]) -> list[dict[str, Any]]:
    terraform = Terraform(r.get("variables", {}), r.get("ingest_instance", "1"))
    return [terraform.role(name, r) for name in ("migrate", "ingest", "serve", "report")]


if __name__ == "__main__":
    rewrites = json.load(sys.stdin)
    print(json.dumps(compose_roles(rewrites) if sys.argv[1] == "compose" else ecs_roles(rewrites)))
