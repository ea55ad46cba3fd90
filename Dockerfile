# The cylvy_pipeline code location as an image: the code server of the Helm chart's user deployment, and
# the image of every run pod K8sRunLauncher starts (README: "Deploying on Kubernetes"). From the repository
# root:  docker build -t registry.example.com/cylvy-pipeline:0.1.0 .
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /opt/cylvy/src
# The pinned dependencies in a layer of their own: rebuilt when the lock file changes, not on every code change.
COPY requirements.lock ./
RUN pip install -r requirements.lock

# The package itself, as any user installs it (`pip install .`), plus dagster-k8s: run pods load the chart's
# instance, whose run launcher lives there. `pip check` fails the build on a dependency conflict.
COPY pyproject.toml README.md dagster.yaml workspace.yaml ./
COPY cylvy_pipeline ./cylvy_pipeline
RUN pip install -c requirements.lock ".[k8s]" && pip check

# Not root. The state folder holds only DAGSTER_HOME for `cylvy-pipeline` commands run in a pod: with an
# external database (CYLVY_DATABASE_URL) there is no embedded server.
RUN useradd --system --uid 10001 --create-home --home-dir /home/cylvy cylvy \
    && mkdir -p /var/lib/cylvy && chown cylvy /var/lib/cylvy
ENV CYLVY_STATE_DIR=/var/lib/cylvy
USER cylvy
WORKDIR /home/cylvy

# A client project: mount it at /opt/cylvy/project (the Helm values use a ConfigMap) or bake it into an image
# built FROM this one, and set CYLVY_PROJECT_DIR=/opt/cylvy/project. Without it, the bundled sample project.
EXPOSE 4000
# CMD, no ENTRYPOINT: the Helm chart starts the code server and the run pods with `args` of its own
# (`dagster code-server start …`, `dagster api execute_run …`), which an ENTRYPOINT would prefix.
CMD ["dagster", "code-server", "start", "-m", "cylvy_pipeline.definitions", "--location-name", "cylvy_pipeline", \
     "-h", "0.0.0.0", "-p", "4000"]
