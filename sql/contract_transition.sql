-- The one place the database decides a contract transition, and so the one place a refusal is
-- raised. The caller holds the player's row lock and passes what xstate's guards get: the event
-- (`{"type": "OFFER", "force": …, "targetTeamId": …}`) and the contract's context (`{"teamIds": […]}`).
--
-- First the service's judgement: its machine names the states it takes the event from
-- (machines/evaluate.ts sourceStates), so the service never reads the state first. Then the rules
-- `npm run db:sync` installs from machines/contract.ts: like xstate, the first of the state's
-- transitions for the event whose guard holds. The guard the machine calls `teamChange` is the
-- function contract_guard_team_change(context, event), one function per guard.
--
-- A state the service's machine refuses but the database's rules always take means the two run
-- different versions of the machine, as while a deployment is half done: CTSKW (503).
CREATE OR REPLACE FUNCTION contract_transition(
  p_from text,
  p_event jsonb,
  p_context jsonb,
  p_allowed_from text[]
) RETURNS contract_transitions
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
  event_type text := p_event->>'type';
  candidate contract_transitions;
  holds boolean;
  refusal contract_refusals;
BEGIN
  IF p_from = ANY (p_allowed_from) THEN
    FOR candidate IN
      SELECT * FROM contract_transitions
      WHERE contract_transitions.from_status = p_from AND contract_transitions.event = event_type
      ORDER BY contract_transitions.position
    LOOP
      IF candidate.guard IS NULL THEN
        RETURN candidate;
      END IF;
      EXECUTE format('SELECT %I($1, $2)', 'contract_guard_' || lower(regexp_replace(candidate.guard, '([A-Z])', '_\1', 'g')))
        INTO holds USING p_context, p_event;
      IF holds THEN
        RETURN candidate;
      END IF;
    END LOOP;
  END IF;

  SELECT * INTO refusal FROM contract_refusals
  WHERE contract_refusals.status = p_from AND contract_refusals.event = event_type;
  IF NOT FOUND THEN
    IF p_from = ANY (p_allowed_from) THEN
      RAISE EXCEPTION 'the contract machine neither takes nor refuses % in state %', event_type, p_from
        USING HINT = 'Run npm run db:sync and apply the migration it writes.';
    END IF;
    RAISE EXCEPTION 'the service''s machine does not take % in state %, the database''s rules do', event_type, p_from
      USING ERRCODE = 'CTSKW';
  END IF;
  RAISE EXCEPTION '%: % is refused in state %', refusal.code, event_type, p_from USING ERRCODE = refusal.sqlstate;
END;
$$;
