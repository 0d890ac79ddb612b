"""The deployment documents exist, cover what an operator needs, say
plainly what was never run, and name only settings deloton knows."""

from __future__ import annotations

import re

from deploy_support import DEPLOY_ONLY_ENV, DEPLOYMENT_DOC, ENV_NAME, REPO, TERRAFORM, known_deloton_env

TERRAFORM_README = TERRAFORM / "README.md"


def headings(text: str) -> list[str]:
    return [line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("#")]


def test_deployment_guide_covers_every_task():
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    found = " | ".join(headings(text))
    for topic in ("build the image", "compose", "terraform", "secrets", "scaling", "ingest", "serve",
                  "what was not run here"):
        assert topic in found, f"docs/deployment.md lacks a section on {topic!r}"
    assert "docker build -f deploy/Dockerfile" in text
    assert "docker compose -f deploy/compose.yaml up" in text


def test_nothing_unrun_is_claimed_as_run():
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8")
    section = text[text.lower().index("## what was not run here"):]
    for claim in ("`docker build` was not run", "`docker compose up` was not run", "`apply` were not run"):
        assert claim in section
    readme = TERRAFORM_README.read_text(encoding="utf-8")
    assert "Nothing in this folder has been applied or planned" in readme


def test_terraform_readme_explains_the_scheduler_choice_and_costs():
    readme = TERRAFORM_README.read_text(encoding="utf-8").lower()
    for topic in ("what it creates", "daily report", "apply, step by step", "costs"):
        assert topic in " | ".join(headings(readme)), topic
    assert "europe/london" in readme and "09:30" in readme


def test_documents_name_only_known_settings():
    known = known_deloton_env() | DEPLOY_ONLY_ENV
    for path in (DEPLOYMENT_DOC, TERRAFORM_README):
        named = set(ENV_NAME.findall(path.read_text(encoding="utf-8")))
        assert named - known == set(), f"{path.relative_to(REPO)} names unknown settings {sorted(named - known)}"


def test_relative_links_resolve():
    for path in (DEPLOYMENT_DOC, TERRAFORM_README):
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"
