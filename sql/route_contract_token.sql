-- Keeps contract_links, the family link → club and player routing index, in step with players: a
-- token is routed to its club and player in the transaction that mints it, whichever function (or hand-written SQL)
-- minted it. A token is minted once, so a second player claiming one fails on the primary key: this
-- is what keeps tokens unique.
CREATE OR REPLACE FUNCTION route_contract_token() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO contract_links (token, tenant_id, player_id) VALUES (NEW.contract_token, NEW.tenant_id, NEW.id);
  RETURN NULL;
END;
$$;
