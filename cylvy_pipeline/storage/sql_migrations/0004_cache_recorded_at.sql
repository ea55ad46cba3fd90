-- When each cache row was last written (database clock). Executions that run at once produce each
-- cache entry once: the one holding the entry's claim records it, and the others take any row recorded
-- after they started instead of paying for it again (storage/claims.py).
ALTER TABLE company_profiles ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT clock_timestamp();
ALTER TABLE page_cache ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT clock_timestamp();
ALTER TABLE analysis_cache ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT clock_timestamp();
ALTER TABLE channel_resolutions ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT clock_timestamp();
