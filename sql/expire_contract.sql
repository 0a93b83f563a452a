-- EXPIRE (docs/PRODUCT.md, "The state machine"): the job queue's call at an offer's deadline. Under
-- the row lock it expires the offer only if it is still that very offer, open (the link's sha256
-- matches): a signature, a decline, a withdrawal or a newer offer that won the race stands, and the
-- call is then nothing. The steps it shares with WITHDRAW are end_offered_contract's: the `expire`
-- audit row is the system's, the offer's unsent e-mail and its reminders go. Returns whether the
-- offer expired. The link answers 410 contract_expired.
CREATE OR REPLACE FUNCTION expire_contract(
  p_tenant_id integer,
  p_player_id integer,
  p_contract_token_sha256 bytea,
  p_allowed_from text[]
) RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
  before players;
BEGIN
  SELECT * INTO before FROM players
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  FOR UPDATE;
  IF NOT offer_link_current(before, p_contract_token_sha256) THEN
    RETURN false;
  END IF;
  PERFORM end_offered_contract(before, 'EXPIRE', p_allowed_from, 'system', 'offer_deadline', NULL, 'the offer expired before it left');
  RETURN true;
END;
$$;
