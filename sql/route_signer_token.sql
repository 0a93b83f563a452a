-- Routes a signer's own link to its club and player (contract_links), as route_contract_token does
-- the player's: the first signer's token is the player's contract_token, routed already.
CREATE OR REPLACE FUNCTION route_signer_token() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO contract_links (token, tenant_id, player_id) VALUES (NEW.token, NEW.tenant_id, NEW.player_id);
  RETURN NULL;
END;
$$;
