-- How many signers the player's open offer still needs (docs/PRODUCT.md, "Who signs"): none once a
-- signer whose signature completes the contract has signed; otherwise every pending signer. An offer
-- made before signers existed has no rows here, and its one link's signature completes it.
CREATE OR REPLACE FUNCTION contract_pending_signers(p_tenant_id integer, p_player_id integer) RETURNS integer
LANGUAGE sql
STABLE
AS $$
  SELECT CASE
    WHEN bool_or(signer.completes AND signer.status = 'signed') THEN 0
    ELSE count(*) FILTER (WHERE signer.status = 'pending')
  END::integer
  FROM contract_signers AS signer
  WHERE signer.tenant_id = p_tenant_id AND signer.player_id = p_player_id;
$$;
