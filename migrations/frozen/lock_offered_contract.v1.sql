-- The family's link is the only credential (SPEC §4 "Family"). Finds the link's player by an exact
-- match on the unique token index and locks the row; SIGN and DECLINE both need an open offer, so
-- anything else is refused here with its own SQLSTATE. Both lookups always run, so an unknown
-- token and a replaced one cost the same.
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
  CASE player.contract_status
    WHEN 'offered' THEN
      RETURN player;
    WHEN 'signed' THEN
      RAISE EXCEPTION 'this contract is already signed' USING ERRCODE = 'CTSGN';
    WHEN 'declined' THEN
      RAISE EXCEPTION 'this contract was declined' USING ERRCODE = 'CTDCL';
  END CASE;
END;
$$;
