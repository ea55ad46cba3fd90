-- One row per provider call (every attempt of every HTTP request, and every simulated call): what it
-- was, what it cost and how it ended, by execution, market and phase. Totals per execution feed the
-- budget, the status summary and `cylvy-pipeline estimate`'s comparison with what a run really did.
CREATE TABLE api_usage (
    id                     bigserial PRIMARY KEY,
    pipeline_execution_id  uuid NOT NULL,
    market                 text NOT NULL,
    phase_name             text NOT NULL,
    dagster_run_id         text,
    provider               text NOT NULL,
    endpoint               text NOT NULL,
    calls                  integer NOT NULL DEFAULT 1 CHECK (calls >= 0),
    units                  double precision NOT NULL DEFAULT 0,
    cost_usd               double precision NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
    status                 text NOT NULL,
    http_status            integer,
    duration_ms            integer,
    at                     timestamptz NOT NULL
);
CREATE INDEX api_usage_execution ON api_usage (pipeline_execution_id, market, phase_name);
