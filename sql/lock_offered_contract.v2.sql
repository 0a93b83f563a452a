-- The family's link is the only credential (SPEC §4 "Family"). Finds the link's player by an exact
-- match on the unique token index and locks the row; an unknown token and a replaced one are refused
-- here, each with its own SQLSTATE. Both lookups always run, so the two cost the same.
--
-- v2: whether the contract's state takes the family's answer is no longer judged here: the callers
-- ask contract_transition, which reads the machine's rules and raises the state's refusal.
CREATE FUNCTION lock_offered_contract(p_token text) RETURNS players
LANGUAGE plpgsql
AS $$
DECLARE
  player players;
  replaced boolean;
BEGIN
  SELECT * INTO player FROM players WHERE players.contract_token = p_token FOR UPDATE;
  replaced := EXISTS (SELECT 1 FROM superseded_contract_tokens WHERE superseded_contract_tokens.token = p_token);
  IF player.id IS NULL THEN
    IF replaced THEN
      RAISE EXCEPTION 'this contract link was replaced by a newer offer' USING ERRCODE = 'CTSUP';
    END IF;
    RAISE EXCEPTION 'no contract has this link' USING ERRCODE = 'UNKCT';
  END IF;
  RETURN player;
END;
$$;
