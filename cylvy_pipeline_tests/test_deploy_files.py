"""The deployment files, checked offline: no Docker daemon, Helm or cluster is reachable here, so these
check what can be checked without them: the files parse, agree with each other and with the code, and
keep the settings the traps of this stack require. (test_services.py runs the gRPC workspace for real.)"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from cylvy_pipeline.providers.catalog import VENDORS

REPOSITORY = Path(__file__).resolve().parents[1]
VALUES = REPOSITORY / "deploy" / "helm" / "values.yaml"
WORKSPACE = REPOSITORY / "deploy" / "workspace-grpc.yaml"
DOCKERFILE = REPOSITORY / "Dockerfile"
SECRET = "cylvy-secrets"


def _user_deployment() -> dict:
    [deployment] = yaml.safe_load(VALUES.read_text())["dagster-user-deployments"]["deployments"]
    return deployment


def _kubernetes_section() -> str:
    readme = (REPOSITORY / "README.md").read_text()
    return readme.split("## Deploying on Kubernetes", 1)[1].split("\n## ", 1)[0]


def _pin(distribution: str) -> str:
    return re.search(rf'"{distribution}==([^"]+)"', (REPOSITORY / "pyproject.toml").read_text()).group(1)


def _dockerfile_cmd() -> list[str]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    [cmd] = [line for line in text.splitlines() if line.startswith("CMD ")]
    return yaml.safe_load(cmd.removeprefix("CMD "))  # the exec form is a JSON list


def test_the_grpc_workspace_names_the_code_server_through_the_environment():
    [entry] = yaml.safe_load(WORKSPACE.read_text())["load_from"]
    server = entry["grpc_server"]
    assert server["host"] == {"env": "CYLVY_CODE_SERVER_HOST"}
    assert server["port"] == {"env": "CYLVY_CODE_SERVER_PORT"}
    assert server["location_name"] == "cylvy_pipeline"


def test_the_image_serves_the_code_location_the_helm_values_name():
    cmd = _dockerfile_cmd()
    assert cmd[:3] == ["dagster", "code-server", "start"]
    module = cmd[cmd.index("-m") + 1]
    deployment = _user_deployment()
    assert deployment["codeServerArgs"] == ["-m", module] and module == "cylvy_pipeline.definitions"
    assert f"EXPOSE {deployment['port']}" in DOCKERFILE.read_text()
    assert cmd[cmd.index("-p") + 1] == str(deployment["port"])
    # The chart starts the code server and every run pod with `args` of its own: an ENTRYPOINT would
    # be prepended to them.
    assert not re.search(r"^ENTRYPOINT", DOCKERFILE.read_text(), re.MULTILINE)


def test_the_image_installs_the_kubernetes_run_launcher_and_copies_only_what_exists():
    text = DOCKERFILE.read_text()
    assert 'pip install -c requirements.lock ".[k8s]"' in text
    # dagster-k8s is released with dagster-postgres, under the same version.
    assert f'k8s = ["dagster-k8s=={_pin("dagster-postgres")}"]' in (REPOSITORY / "pyproject.toml").read_text()
    allowed = {line[1:].rstrip("/") for line in (REPOSITORY / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}
    for line in text.splitlines():
        if line.startswith("COPY "):
            sources = shlex.split(line)[1:-1]
            for source in sources:
                assert source.rstrip("/") in allowed, f"{source} is excluded from the build context"
                assert (REPOSITORY / source).exists(), source


def test_helm_values_keep_runs_on_psycopg2_with_their_secrets_and_project():
    values = yaml.safe_load(VALUES.read_text())
    # SQLAlchemy 2 picks psycopg 3 for postgresql:// when both drivers are installed (our image has both).
    assert values["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"
    assert values["postgresql"]["enabled"] is False
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert {"name": SECRET} in values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"]

    # Dagster's chart renders the concurrency block only when enabled: else the run coordinator gets
    # max_concurrent_runs -1 and the provider pools have no limit.
    assert values["concurrency"]["enabled"] is True
    assert values["concurrency"]["runs"]["maxConcurrentRuns"] == 3
    assert values["concurrency"]["pools"]["defaultLimit"] == 1

    deployment = _user_deployment()
    # Runs the command line starts in a pod name the code location the UI knows them by.
    assert deployment["env"]["CYLVY_CODE_LOCATION"] == deployment["name"]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert {"name": SECRET} in deployment["envSecrets"]
    [mount] = deployment["volumeMounts"]
    assert deployment["env"]["CYLVY_PROJECT_DIR"] == mount["mountPath"]
    image = f"{deployment['image']['repository']}:{deployment['image']['tag']}"
    [migrate] = deployment["initContainers"]
    assert migrate["image"] == image, "the migration runs the same image as the code server"
    assert migrate["command"] == ["cylvy-pipeline", "db", "migrate"]


def test_the_readme_creates_every_secret_the_code_reads():
    needed = {variable for vendor in VENDORS.vendors for variable in vendor.secrets.values()} | {"CYLVY_DATABASE_URL"}
    assert {"DATAFORSEO_LOGIN", "YOUTUBE_API_KEY", "OPENAI_API_KEY", "SCRAPINGBEE_API_KEY"} <= needed
    section = _kubernetes_section()
    created = set(re.findall(r"--from-literal=([A-Z0-9_]+)=", section))
    assert needed <= created, f"missing from `kubectl create secret generic {SECRET}`: {needed - created}"
    assert f"create secret generic {SECRET}" in section
    assert "create secret generic dagster-postgresql-secret --from-literal=postgresql-password=" in section
    # The chart's version is the Dagster version its webserver and daemon images run: the image's.
    assert f"helm upgrade --install cylvy dagster/dagster --version {_pin('dagster')} " in section
