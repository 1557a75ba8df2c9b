# Aftercare: the commands a newcomer needs. `make run` and `make test` do everything else.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
RASA      := $(VENV)/bin/rasa
STAMP     := $(VENV)/.installed
MODEL     := models/aftercare.tar.gz
STORE     ?= demo
# The pipeline's own components are inputs too: what they train and keep is part of the model.
# Not the modules only the Rasa server installs (guardrails/launch.py: how it replays a
# conversation, runs the graph, walks the rules): they change no trained weight, so editing one
# retrains nothing (tests/unit/test_train_inputs.py holds that no trained component imports them).
SERVED_ONLY := applied copies graph_runner history rule_keys rule_log ted_on_demand
TRAIN_INPUTS := $(shell find data -name '*.yml' -not -path 'data/policy/*') domain.yml config.yml \
	$(filter-out $(SERVED_ONLY:%=nlu_components/%.py),$(wildcard nlu_components/*.py)) \
	recommender/embeddings.py
# The input rails' classifiers (injection, topic): numpy weights, built from committed data.
RAILS_MODEL := models/rails/injection.npz
RAILS_INPUTS := $(wildcard guardrails/rails/injection/*.py guardrails/rails/injection/data/*.jsonl.gz data/nlu/*.yml)

# Bytecode is written (and read) even where the shell sets PYTHONDONTWRITEBYTECODE: every server,
# tool and pytest worker of a run imports the project's modules, and compiled once they load
# without being parsed again (pytest's rewritten tests too: 13.5 -> 8.8 s to collect the suite).
unexport PYTHONDONTWRITEBYTECODE
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help install not-running run test train shell demo-orders seed bench bench-items bench-tau lint validate nlu-gate stories-test gates pytest clean webchat browser export purge llm bench-guardrails haproxy run-prod stop-prod bench-failover bench-capacity bench-load bench-late promtool bench-proactive bench-start bench-parse bench-runner bench-desk-sync

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt scripts/bootstrap.sh guardrails/rasa_defaults.py
	@scripts/bootstrap.sh

install: $(STAMP) ## Create .venv (Python 3.10) and install pinned dependencies

$(MODEL): $(TRAIN_INPUTS) | $(STAMP)
	$(RASA) train --out models --fixed-model-name aftercare

$(RAILS_MODEL): $(RAILS_INPUTS) | $(STAMP)
	$(PY) -m guardrails.rails.injection.train

train: $(MODEL) $(RAILS_MODEL) ## Train the models when data, domain or config changed

var/commerce-$(STORE).db: commerce/models.py commerce/seed.py $(wildcard commerce/tau_bench*.py commerce/demo/*.py) | $(STAMP)
	@mkdir -p var
	@# never delete the store under a running backend
	@$(PY) -m stack.running || { echo "not re-seeding var/commerce-$(STORE).db while it may be in use" >&2; exit 1; }
	rm -f var/commerce-$(STORE).db
	$(PY) -m commerce.seed --store $(STORE) --db sqlite:///var/commerce-$(STORE).db

seed: var/commerce-$(STORE).db ## Build the demo store (STORE=demo) if it is missing

# The embedded model server for generative replies, in a venv of its own (pydantic v2).
LLM_STAMP := .venv-llm/.installed

$(LLM_STAMP): scripts/install-llm.sh constraints-llm.txt
	@scripts/install-llm.sh

llm: $(LLM_STAMP) ## The embedded model server (.venv-llm) for AFTERCARE_GENERATION=on

WEBCHAT := node_modules/.package-lock.json

$(WEBCHAT): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(WEBCHAT)

webchat: $(WEBCHAT) ## Install the web chat widget (npm ci from package-lock.json)

browser: ## Install Debian's headless Chromium for the browser tests, if missing
	@scripts/install-browser.sh

# kubernetes-validate in a venv of its own (its jsonschema and Rasa's cannot share one).
DEPLOY_TOOLS := .venv/deploy-tools/.installed

$(DEPLOY_TOOLS): scripts/install-deploy-tools.sh constraints-deploy.txt | $(STAMP)
	@scripts/install-deploy-tools.sh

haproxy: ## Install Debian's HAProxy for production mode, if missing
	@scripts/install-haproxy.sh

promtool: ## Install Debian's Prometheus package for promtool (checks deploy/prometheus), if missing
	@scripts/install-promtool.sh

run-prod: $(STAMP) not-running $(MODEL) $(RAILS_MODEL) haproxy ## Production mode: 2 Rasa + 2 action servers behind HAProxy, supervised (secrets from the environment)
	$(PY) -m stack prod start

stop-prod: $(STAMP) ## Stop everything make run-prod started
	$(PY) -m stack prod stop

not-running: $(STAMP)
	@$(PY) -m stack.running

run: $(STAMP) not-running $(MODEL) $(RAILS_MODEL) seed $(WEBCHAT) ## Set up what is missing, then start everything on localhost
	COMMERCE_DB_URL=$${COMMERCE_DB_URL:-sqlite:///var/commerce-$(STORE).db} \
	MERCHANT_POLICY=$${MERCHANT_POLICY:-data/policy/$(STORE).yml} $(PY) -m stack run

shell: $(STAMP) ## Chat in the terminal with the running stack (start it with make run)
	$(PY) -m stack shell

demo-orders: seed ## One JSON line per sample order, covering every order state
	@$(PY) -m commerce.demo_orders --db sqlite:///var/commerce-$(STORE).db

lint: $(STAMP) ## ruff (lint + format) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy actions channels guardrails commerce stores stack nlu_components benchmarks recommender desk webkit merchants analytics proactive

validate: $(STAMP) ## rasa data validate
	$(RASA) data validate --fail-on-warnings

nlu-gate: $(MODEL) ## Intent macro-F1 on held-out shopper messages; fails below the gate
	$(PY) scripts/nlu_gate.py --model $(MODEL)

stories-test: $(MODEL) ## Test stories, failing on any prediction error
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/stories

# Both gates above in one process, which loads the model once (reports without plots).
gates: $(MODEL) ## Both gates in one process
	$(PY) scripts/nlu_gate.py --model $(MODEL) --stories tests/stories --stories-out results/stories

# One pytest worker per core (pytest-xdist); a test file stays on one worker, so a module's own
# stack starts once, and every file that uses the session's end-to-end stack runs on the same
# worker, so that stack starts once per run (the groups: tests/conftest.py).
PYTEST_WORKERS ?= auto
# What the tests need installed and built: one at a time (three of them are Debian packages,
# and apt takes one install at a time).
TEST_NEEDS := $(STAMP) $(MODEL) $(RAILS_MODEL) $(LLM_STAMP) $(WEBCHAT) $(DEPLOY_TOOLS) browser haproxy promtool

pytest: $(TEST_NEEDS)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=25

# Everything installed and built first, then lint and pytest side by side: lint fills moments
# pytest's workers wait for a server, and a lint failure is reported when pytest ends. The data's
# validation (`rasa data validate --fail-on-warnings`) and both gates (`make nlu-gate`, `make
# stories-test`) are the designers' tests of those commands (tests/designers/
# test_rasa_commands.py; docs/performance.md, thirty-fifth step).
test: ## Every test (CI runs exactly this)
	@$(MAKE) --no-print-directory $(TEST_NEEDS)
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint pytest

bench: $(STAMP) $(MODEL) $(RAILS_MODEL) ## Benchmarks; numbers go to docs/benchmarks.md
	$(PY) -m benchmarks.run --train
	$(PY) -m benchmarks.recommend
	$(PY) -m benchmarks.pii
	$(PY) -m benchmarks.handoff
	$(PY) -m benchmarks.fuzz
	$(MAKE) --no-print-directory bench-items
	$(MAKE) --no-print-directory bench-guardrails

bench-items: $(STAMP) ## Which items a shopper means: the resolver against the old word matcher
	$(PY) -m benchmarks.item_picking

bench-guardrails: $(STAMP) $(RAILS_MODEL) $(LLM_STAMP) ## Rails against attacks, the fact lock's mutation suite, policy answers, the model's speed
	$(PY) -m benchmarks.guardrails_input
	$(PY) -m benchmarks.guardrails_output
	$(PY) -m benchmarks.policy_answers
	$(PY) -m benchmarks.generation

export: $(STAMP) ## Stored conversations as NLU examples + test stories with fake values (var/export)
	$(PY) -m guardrails.export --tracker-url $${TRACKER_STORE_URL:-sqlite:///var/tracker.db} --out var/export

purge: $(STAMP) ## Retention: delete conversations older than retention_days (guardrails/pii.yml)
	$(PY) -m guardrails.privacy purge

bench-tau: $(STAMP) $(MODEL) ## τ-bench task completion on the τ-bench store; into docs/benchmarks.md
	$(PY) -m benchmarks.tau_tasks

bench-failover: $(STAMP) $(MODEL) $(RAILS_MODEL) haproxy ## Production mode under load while faults hit (restarts this machine's Redis and RabbitMQ: run alone)
	$(PY) -m benchmarks.failover

bench-load: $(STAMP) $(MODEL) $(RAILS_MODEL) ## Per-turn cost and capacity beside a bare `rasa init` bot (made once under var/bare-rasa), into docs/benchmarks.md
	$(PY) -m benchmarks.speed

bench-late: $(STAMP) $(MODEL) ## How a turn's cost grows with the conversation in the Rasa process: Rasa's own methods against ours, into docs/benchmarks.md
	$(PY) -m benchmarks.late_turns

bench-start: $(STAMP) $(MODEL) ## Seconds to load the trained model in a fresh process: TED built Rasa's way against ours
	$(PY) -m benchmarks.model_load

bench-parse: $(STAMP) $(MODEL) ## Milliseconds of a message through the NLU pipeline: the intent classifier Rasa's way against ours, the packaged embedding model against int8
	$(PY) -m benchmarks.nlu_parse

bench-runner: $(STAMP) $(MODEL) ## Milliseconds of a parse and of a prediction: the model's graph on Rasa's Dask runner against node after node
	$(PY) -m benchmarks.graph_runner

bench-desk-sync: $(STAMP) $(MODEL) ## The Rasa server's CPU for the desk's transcript sync: a look (whole tracker against new messages), a round (a look per ticket against one request)
	$(PY) -m benchmarks.desk_sync

bench-capacity: $(STAMP) $(MODEL) $(RAILS_MODEL) haproxy ## Turns per second of production mode with one and with two instances of each server
	$(PY) -m benchmarks.capacity

bench-proactive: $(STAMP) ## A simulated week of 10,000 shipment events: every rule checked, a killed sender loses and repeats nothing
	$(PY) -m benchmarks.proactive

clean: ## Remove built models, databases, results and an old in-tree Rasa cache (keeps .venv)
	rm -rf models var results .rasa
