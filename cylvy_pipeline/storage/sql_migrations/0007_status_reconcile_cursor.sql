-- The newest Dagster run update that `status`, `report` and `dev` have reconciled into the status tables.
-- Runs started where no daemon syncs them (Dagster's own CLI, say) are picked up from here on, however
-- long ago they ran; one row, only ever moved forward.
CREATE TABLE status_reconcile_cursor (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    synced_through  timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
