-- The contract machine's answer to an event in a state, read from the rows `npm run machine:sync`
-- writes from machines/contract.ts: like xstate, the first of the state's transitions for the event
-- whose guard holds. When none does, the state's refusal is raised with its SQLSTATE (src/errors.ts).
--
-- The guards need facts from the request, so the caller passes them in, one parameter per guard of
-- the machine, and they are evaluated here under the machine's names.
CREATE FUNCTION contract_transition(
  p_from text,
  p_event text,
  p_force boolean DEFAULT false, -- guard `force`: OFFER with ?force=true
  p_team_change boolean DEFAULT false -- guard `teamChange`: OFFER to a team the player is not on
) RETURNS contract_transitions
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
  candidate contract_transitions;
  refusal contract_refusals;
BEGIN
  FOR candidate IN
    SELECT * FROM contract_transitions
    WHERE contract_transitions.from_status = p_from AND contract_transitions.event = p_event
    ORDER BY contract_transitions.position
  LOOP
    CASE coalesce(candidate.guard, '')
      WHEN '' THEN
        RETURN candidate;
      WHEN 'force' THEN
        IF p_force THEN RETURN candidate; END IF;
      WHEN 'teamChange' THEN
        IF p_team_change THEN RETURN candidate; END IF;
      ELSE
        RAISE EXCEPTION 'contract_transition does not know the guard "%" (% in state %)', candidate.guard, p_event, p_from
          USING HINT = 'A new guard in machines/contract.ts needs a new version of sql/contract_transition.';
    END CASE;
  END LOOP;

  SELECT * INTO refusal FROM contract_refusals
  WHERE contract_refusals.status = p_from AND contract_refusals.event = p_event;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the contract machine neither takes nor refuses % in state %', p_event, p_from
      USING HINT = 'Run npm run machine:sync and apply the migration it writes.';
  END IF;
  RAISE EXCEPTION '%: % is refused in state %', refusal.code, p_event, p_from USING ERRCODE = refusal.sqlstate;
END;
$$;
