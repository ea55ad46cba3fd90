-- Provider rate limits shared by every run, process and machine (storage/rate_limits.py): per limiter,
-- the earliest moment its next call may start. A call takes its slot by moving next_free on by the
-- limit's interval; nothing is held during the call, so a killed process leaks no capacity.
CREATE TABLE provider_rate_limits (
    limiter    text PRIMARY KEY,
    next_free  timestamptz NOT NULL
);
