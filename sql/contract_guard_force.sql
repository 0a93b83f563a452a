-- The machine's guard `force` (machines/contract.ts): an OFFER sent with ?force=true replaces an
-- open offer. contract_transition calls it by that name.
CREATE OR REPLACE FUNCTION contract_guard_force(p_context jsonb, p_event jsonb) RETURNS boolean
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT p_event->>'type' = 'OFFER' AND coalesce((p_event->'force')::boolean, false);
$$;
