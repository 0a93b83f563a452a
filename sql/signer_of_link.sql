-- The signer a family's link stands for in the player's current offer (p_player, locked by the
-- caller). An offer made before signers existed has no rows: its one signer, the player, gets a
-- row now, holding the player's link, so its signature is recorded like every other.
CREATE OR REPLACE FUNCTION signer_of_link(p_player players, p_token text) RETURNS contract_signers
LANGUAGE plpgsql
AS $$
DECLARE
  signer contract_signers;
BEGIN
  SELECT * INTO signer FROM contract_signers
  WHERE contract_signers.tenant_id = p_player.tenant_id AND contract_signers.token = p_token;
  IF NOT FOUND THEN
    INSERT INTO contract_signers (tenant_id, player_id, position, role, name, email, token, completes)
    VALUES (p_player.tenant_id, p_player.id, 1, 'player', p_player.name, p_player.email, p_player.contract_token, true)
    RETURNING * INTO signer;
  END IF;
  RETURN signer;
END;
$$;
