-- Grants for the run-time role of a two-role production setup (README, "Two database roles").
-- The owner role runs the migrations (`npm run migrate`) and owns every table; the services
-- connect as the run-time role, which may read and write the service's tables but can neither
-- change nor delete audit rows (nor run migrations). Run it as the owner after each migration,
-- in the service's database:
--
--   psql "$OWNER_DATABASE_URL" -v role=verification_app -f scripts/runtime-role.sql
--
-- The run-time role must exist first (CREATE ROLE verification_app LOGIN PASSWORD '…').

GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"role";

-- Migrations are the owner's: the services only check that none is pending.
REVOKE INSERT, UPDATE, DELETE ON pgmigrations FROM :"role";

-- The audit trail: events are recorded into audit_pending and chained by audit_chain();
-- retention goes through audit_cut(), which keeps to audit_policy. Rows of audit_events, the
-- chain heads and the policy are read only. (Triggers refuse UPDATE, TRUNCATE and young DELETEs
-- on audit_events for every role, the owner included.)
REVOKE INSERT, UPDATE, DELETE ON audit_events, audit_chain_heads, audit_policy FROM :"role";
REVOKE UPDATE, DELETE ON audit_pending FROM :"role";
GRANT EXECUTE ON FUNCTION audit_chain(text, integer, boolean), audit_cut(text, timestamptz, integer) TO :"role";
