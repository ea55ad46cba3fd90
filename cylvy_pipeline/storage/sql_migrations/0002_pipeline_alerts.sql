-- Alerts raised by the run-failure sensor: one row per failed run, also posted to a webhook if set.
CREATE TABLE pipeline_alerts (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pipeline_execution_id  uuid NOT NULL,
    dagster_run_id         text NOT NULL UNIQUE,
    market                 text,
    message                text NOT NULL,
    details                jsonb NOT NULL,
    webhook_status         text,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
