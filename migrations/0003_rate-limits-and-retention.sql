-- Up Migration
-- Fixed-window counters for limits that must hold across instances: one row per key and window,
-- counted with one conditional upsert. Rows whose window ended are purged by the retention sweep.
CREATE TABLE rate_limit_windows (
  key          text        NOT NULL,
  window_start timestamptz NOT NULL,
  window_end   timestamptz NOT NULL,
  hits         integer     NOT NULL CHECK (hits >= 1),
  PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limit_windows_end ON rate_limit_windows (window_end);

-- The retention sweep finds ended enrollments and retired exchanges by age; deleting an
-- enrollment cascades to its retired exchanges, which needs their status_id indexed.
CREATE INDEX enrollments_ended ON enrollments (updated_at) WHERE status IN ('EXPIRED', 'CANCELLED', 'FAILED');
CREATE INDEX retired_exchanges_retired_at ON retired_exchanges (retired_at);
CREATE INDEX retired_exchanges_status ON retired_exchanges (status_id);

-- Down Migration
DROP INDEX retired_exchanges_status;
DROP INDEX retired_exchanges_retired_at;
DROP INDEX enrollments_ended;
DROP TABLE rate_limit_windows;
