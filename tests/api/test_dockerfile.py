"""The Dockerfile only runs commands this suite runs too, and its health check really works."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from service.cli import build_parser
from service.paths import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def exec_form(args: str) -> list[str]:
    """The argv of an exec-form (JSON array) CMD."""
    argv = json.loads(args)
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
    return argv


def run_commands() -> list[list[str]]:
    """Every command of every RUN line, split on `&&`."""
    commands = []
    for keyword, args in instructions():
        if keyword == "RUN":
            commands += [shlex.split(part) for part in args.split("&&")]
    return commands


def test_multi_stage_slim_non_root() -> None:
    steps = instructions()
    stages = [args for keyword, args in steps if keyword == "FROM"]
    assert len(stages) >= 2
    assert all(stage.split()[0] == "python:3.11-slim" for stage in stages)
    final = steps[max(i for i, (k, _) in enumerate(steps) if k == "FROM") :]
    users = [args for keyword, args in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert not any(keyword == "RUN" for keyword, _ in final), "the runtime stage builds nothing"
    assert any(k == "RUN" and "attune train" in a for k, a in steps), "model built at build time"


def test_run_commands_are_the_projects_own() -> None:
    """Only: create the venv, `pip install -e .` (the contract's install), `attune <command>`."""
    parser = build_parser()
    known = {"venv": False, "pip": False, "attune": False}
    for argv in run_commands():
        if argv[:3] == ["python", "-m", "venv"]:
            known["venv"] = True
        elif argv[0].endswith("bin/pip"):
            assert argv[1:] == ["install", "-e", "."]
            known["pip"] = True
        elif argv[0].endswith("bin/attune"):
            parser.parse_args(argv[1:])  # a real sub-command with valid arguments
            known["attune"] = True
        else:
            pytest.fail(f"unexpected command in the Dockerfile: {argv}")
    assert all(known.values()), known
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-m venv" in makefile and "pip install" in makefile  # what `make setup` runs


def test_copied_sources_exist() -> None:
    for keyword, args in instructions():
        if keyword == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (REPO_ROOT / source).exists(), f"COPY source {source} is missing"


def test_cmd_is_attune_serve_on_all_interfaces() -> None:
    cmds = [exec_form(args) for keyword, args in instructions() if keyword == "CMD"]
    argv = cmds[-1]
    assert argv[:2] == ["attune", "serve"]
    args = build_parser().parse_args(argv[1:])
    assert (args.host, args.port, args.workers) == ("0.0.0.0", 8000, 1)


def healthcheck_argv() -> list[str]:
    (args,) = [args for keyword, args in instructions() if keyword == "HEALTHCHECK"]
    return exec_form(args[args.index("CMD") + 3 :].strip())


def test_healthcheck_passes_on_a_ready_server(server) -> None:
    argv = healthcheck_argv()
    assert argv[0] == "python"
    env = {**os.environ, "ATTUNE_PORT": str(server.port)}
    result = subprocess.run([sys.executable, *argv[1:]], env=env, timeout=30, capture_output=True)
    assert result.returncode == 0, result.stderr


def test_healthcheck_fails_without_a_server() -> None:
    from .conftest import free_port

    env = {**os.environ, "ATTUNE_PORT": str(free_port())}
    argv = healthcheck_argv()
    result = subprocess.run([sys.executable, *argv[1:]], env=env, timeout=30, capture_output=True)
    assert result.returncode != 0
