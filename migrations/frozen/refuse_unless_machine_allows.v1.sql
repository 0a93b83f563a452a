-- The service's machine judges an event before the call and names the states it takes the event
-- from (machines/evaluate.ts sourceStates); the contract functions apply that judgement here, under
-- the row lock, before the rules in the database have their say. So a transition happens only where
-- both allow it, and the service needs no read of the state first: one round trip.
--
-- A state outside p_allowed_from is refused with that state's refusal. A state the database's rules
-- always take the event from, but the service's machine does not, means the two are different
-- versions of the machine, as while a deployment is half done: CTSKW.
CREATE FUNCTION refuse_unless_machine_allows(p_status text, p_event text, p_allowed_from text[]) RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
  refusal contract_refusals;
BEGIN
  IF p_status = ANY (p_allowed_from) THEN
    RETURN;
  END IF;
  SELECT * INTO refusal FROM contract_refusals
  WHERE contract_refusals.status = p_status AND contract_refusals.event = p_event;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the service''s machine does not take % in state %, the database''s rules do', p_event, p_status
      USING ERRCODE = 'CTSKW';
  END IF;
  RAISE EXCEPTION '%: % is refused in state %', refusal.code, p_event, p_status USING ERRCODE = refusal.sqlstate;
END;
$$;
