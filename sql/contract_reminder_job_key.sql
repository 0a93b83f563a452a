-- The job key of a player's automatic reminder (task queue_contract_reminder): the worker schedules
-- each reminder under it, so a newer offer's replaces a pending one (src/worker/contract-mail-tasks.ts
-- reads it here), and a family's answer, a withdrawal or an expiry removes it (sql/sign_contract.sql,
-- sql/decline_contract.sql, sql/end_offered_contract.sql).
CREATE OR REPLACE FUNCTION contract_reminder_job_key(p_tenant_id integer, p_player_id integer) RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT format('contract-reminder:%s:%s', p_tenant_id, p_player_id);
$$;
