-- The family's link is the only credential (docs/PRODUCT.md, "Family links"). Finds the link's
-- player and locks the row, whether the link is the player's own (contract_token) or one of the
-- offer's other signers' (contract_signers); an unknown token and a replaced one are refused here,
-- each with its own SQLSTATE. Every lookup runs whatever the token, so the two cost the same: a
-- token with no route is looked up under club and player id 0, which none has (ids start at 1). The
-- token is routed to its club and player first (contract_links); the player is then found by
-- primary key, still holding that token, and the replaced tokens by (tenant_id, token)
-- (docs/SCALING.md). Whether the contract's state takes the family's answer is contract_transition's
-- to judge.
CREATE OR REPLACE FUNCTION lock_offered_contract(p_token text) RETURNS players
LANGUAGE plpgsql
AS $$
DECLARE
  link contract_links;
  player players;
  replaced boolean;
BEGIN
  SELECT * INTO link FROM contract_links WHERE contract_links.token = p_token;
  SELECT * INTO player FROM players
  WHERE players.tenant_id = coalesce(link.tenant_id, 0) AND players.id = coalesce(link.player_id, 0)
    AND (
      players.contract_token = p_token
      OR EXISTS (
        SELECT 1 FROM contract_signers AS signer
        WHERE signer.tenant_id = coalesce(link.tenant_id, 0) AND signer.token = p_token AND signer.player_id = players.id
      )
    )
  FOR UPDATE;
  -- Locking waited for a transaction that changed the row (a newer offer): the match above was
  -- re-checked on the row's new version, but its subquery saw the signers as they were. A fresh
  -- look decides whether the player still holds this link.
  IF player.id IS NOT NULL AND player.contract_token IS DISTINCT FROM p_token AND NOT EXISTS (
    SELECT 1 FROM contract_signers AS signer
    WHERE signer.tenant_id = player.tenant_id AND signer.token = p_token AND signer.player_id = player.id
  ) THEN
    player := NULL;
  END IF;
  replaced := EXISTS (
    SELECT 1 FROM superseded_contract_tokens
    WHERE superseded_contract_tokens.tenant_id = coalesce(link.tenant_id, 0) AND superseded_contract_tokens.token = p_token
  );
  IF player.id IS NULL THEN
    IF replaced THEN
      RAISE EXCEPTION 'this contract link was replaced by a newer offer' USING ERRCODE = 'CTSUP';
    END IF;
    RAISE EXCEPTION 'no contract has this link' USING ERRCODE = 'UNKCT';
  END IF;
  RETURN player;
END;
$$;
