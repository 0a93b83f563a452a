-- The machine's guard `teamChange` (machines/contract.ts): an OFFER that names a team the player is
-- not on. contract_transition calls it by that name; offer_contract also asks it whether the offer
-- moves the player, which an offer from `none` or `declined` does without needing the guard.
CREATE OR REPLACE FUNCTION contract_guard_team_change(p_context jsonb, p_event jsonb) RETURNS boolean
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT p_event->>'type' = 'OFFER'
    AND jsonb_typeof(p_event->'targetTeamId') = 'number'
    AND NOT coalesce(p_context->'teamIds', '[]') @> jsonb_build_array(p_event->'targetTeamId');
$$;
