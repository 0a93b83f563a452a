-- An automatic reminder falls due (task queue_contract_reminder): it is queued only while the player
-- still has the very offer it reminds of (offer_link_current: one of the offer's links has the
-- sha256, and the contract is offered); a sign, a decline or a newer offer since then makes it
-- nothing. It goes to every signer still pending (docs/PRODUCT.md, "Who signs"), each with their
-- own link. Returns the first message queued, or NULL.
CREATE OR REPLACE FUNCTION queue_due_reminder(p_tenant_id integer, p_player_id integer, p_contract_token_sha256 bytea)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  player players;
  signer contract_signers;
  first_id bigint;
  queued_id bigint;
BEGIN
  SELECT * INTO player FROM players WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id FOR UPDATE;
  IF NOT offer_link_current(player, p_contract_token_sha256) THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM contract_signers WHERE contract_signers.tenant_id = p_tenant_id AND contract_signers.player_id = p_player_id) THEN
    RETURN queue_signer_message(p_tenant_id, p_player_id, 'reminder', player.contract_token, NULL, NULL, player.email);
  END IF;
  FOR signer IN
    SELECT * FROM contract_signers
    WHERE contract_signers.tenant_id = p_tenant_id AND contract_signers.player_id = p_player_id
      AND contract_signers.status = 'pending'
    ORDER BY contract_signers.position
  LOOP
    queued_id := queue_signer_message(p_tenant_id, p_player_id, 'reminder', signer.token, NULL, signer, player.email);
    first_id := coalesce(first_id, queued_id);
  END LOOP;
  RETURN first_id;
END;
$$;
