-- The job key of a player's offer mail: a newer offer's mail replaces a pending one with this key
-- (sql/queue_contract_message.sql), and so does it one the family's budget holds back
-- (sql/hold_contract_message.sql).
CREATE OR REPLACE FUNCTION contract_offer_mail_key(p_tenant_id integer, p_player_id integer) RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT format('contract-offer-mail:%s:%s', p_tenant_id, p_player_id);
$$;
