-- Which execution's output of an upstream phase an execution reads, when the phase is not part of the
-- execution itself (a run of some phases only). Recorded by the first read and never changed, so every
-- phase and every re-execution of the execution reads the same upstream output, however many newer
-- outputs land meanwhile.
CREATE TABLE execution_inputs (
    pipeline_execution_id  uuid NOT NULL,
    phase_name             text NOT NULL,
    market                 text NOT NULL,
    input_execution_id     uuid NOT NULL,
    recorded_at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (pipeline_execution_id, phase_name, market)
);
