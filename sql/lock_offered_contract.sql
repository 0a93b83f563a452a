-- The family's link is the only credential (docs/PRODUCT.md, "Family links"). Finds the link's
-- player and locks the row, whether the link is the player's own (contract_token) or one of the
-- offer's other signers' (contract_signers); an unknown token and a replaced one are refused here,
-- each with its own SQLSTATE. Every token ever minted stays routed to its club and player
-- (contract_links), so a replaced link is one whose player is still there but holds it no more; a
-- deleted player's links are unknown, as they were when the player's replaced tokens went with it.
-- Until no release that records replaced tokens in superseded_contract_tokens runs any more
-- (docs/OPERATING.md, "A breaking change"), a token found there is replaced too.
--
-- Every lookup runs whatever the token, so the two cost the same: a token with no route is looked
-- up under club and player id 0, which none has (ids start at 1). The token is routed first
-- (contract_links, by primary key); the player is then found by primary key, still holding that
-- token, or else looked up by primary key again, and superseded_contract_tokens by (tenant_id,
-- token) (docs/SCALING.md). Whether the contract's state takes the family's answer is
-- contract_transition's to judge.
CREATE OR REPLACE FUNCTION lock_offered_contract(p_token text) RETURNS players
LANGUAGE plpgsql
AS $$
DECLARE
  link contract_links;
  player players;
  replaced boolean;
  recorded boolean;
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
  IF player.id IS NULL THEN
    -- Two statements, so both probes run whatever the first finds.
    replaced := EXISTS (
      SELECT 1 FROM players
      WHERE players.tenant_id = coalesce(link.tenant_id, 0) AND players.id = coalesce(link.player_id, 0)
    );
    recorded := EXISTS (
      SELECT 1 FROM superseded_contract_tokens
      WHERE superseded_contract_tokens.tenant_id = coalesce(link.tenant_id, 0) AND superseded_contract_tokens.token = p_token
    );
    IF replaced OR recorded THEN
      RAISE EXCEPTION 'this contract link was replaced by a newer offer' USING ERRCODE = 'CTSUP';
    END IF;
    RAISE EXCEPTION 'no contract has this link' USING ERRCODE = 'UNKCT';
  END IF;
  RETURN player;
END;
$$;
