-- A message the family's e-mail budget holds back (sql/claim_family_mail.sql) waits in a job of its
-- own, due when the budget allows it; an offer's keeps the player's offer-mail key, so a newer
-- offer's mail takes its place. Called in the transaction that holds the message's row lock
-- (src/mail/contract-messages.ts): an offer made meanwhile marks this message skipped only once
-- that commits, so its own job then replaces this one, never the other way round. Through
-- graphile-worker's public add_job: a held mail is rare, and its notify costs nothing then.
CREATE OR REPLACE FUNCTION hold_contract_message(p_tenant_id integer, p_message_id bigint, p_until timestamptz)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  message contract_messages;
BEGIN
  SELECT * INTO message FROM contract_messages
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id;
  PERFORM graphile_worker.add_job(
    'send_contract_message',
    json_build_object('tenant_id', p_tenant_id, 'message_id', p_message_id),
    run_at => p_until,
    max_attempts => 8,
    -- Keyed as queue_signer_message keys it: the first signer's offer mail, per player.
    job_key => CASE
      WHEN message.kind = 'offer' AND (message.signer_id IS NULL OR EXISTS (
        SELECT 1 FROM contract_signers
        WHERE contract_signers.tenant_id = p_tenant_id AND contract_signers.id = message.signer_id AND contract_signers.position = 1
      )) THEN contract_offer_mail_key(p_tenant_id, message.player_id)
    END
  );
END;
$$;
