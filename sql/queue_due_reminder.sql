-- An automatic reminder falls due (task queue_contract_reminder): it is queued only while the player
-- still has the very offer it reminds of (the link's sha256 matches and the contract is offered);
-- a sign, a decline or a newer offer since then makes it nothing. Returns the message, or NULL.
CREATE OR REPLACE FUNCTION queue_due_reminder(p_tenant_id integer, p_player_id integer, p_contract_token_sha256 bytea)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  player players;
BEGIN
  SELECT * INTO player FROM players WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id FOR UPDATE;
  IF player.contract_status IS DISTINCT FROM 'offered'
    OR sha256(convert_to(player.contract_token, 'UTF8')) IS DISTINCT FROM p_contract_token_sha256 THEN
    RETURN NULL;
  END IF;
  RETURN queue_contract_message(p_tenant_id, p_player_id, 'reminder', player.email, player.contract_token, NULL);
END;
$$;
