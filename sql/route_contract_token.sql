-- Keeps contract_links, the family link → club routing index, in step with players: a token is
-- routed to its club in the transaction that mints it, whichever function (or hand-written SQL)
-- minted it. A token is minted once, so a second club claiming one fails on the primary key.
CREATE OR REPLACE FUNCTION route_contract_token() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO contract_links (token, tenant_id) VALUES (NEW.contract_token, NEW.tenant_id);
  RETURN NULL;
END;
$$;
