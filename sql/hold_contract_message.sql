-- A message the family's e-mail budget holds back (sql/claim_family_mail.sql) waits until the budget
-- allows it. One of the outbox (a due_at: docs/DESIGN.md, "E-mail queue") is simply due then, its
-- claim let go; if a newer offer replaced its link meanwhile, the worker marks it skipped when it
-- takes it, and the newer offer's own mail is the one that leaves. One queued the earlier way, with
-- a job (sql/enqueue_contract_job.sql), waits in a job of its own; an offer's keeps the player's
-- offer-mail key, so a newer offer's mail takes its place. Called in the transaction that holds the
-- message's row lock (src/mail/contract-messages.ts). Through graphile-worker's public add_job: a
-- held mail is rare, and its notify costs nothing then.
CREATE OR REPLACE FUNCTION hold_contract_message(p_tenant_id integer, p_message_id bigint, p_until timestamptz)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  message contract_messages;
BEGIN
  SELECT * INTO message FROM contract_messages
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id;
  IF message.due_at IS NOT NULL THEN
    UPDATE contract_messages SET due_at = p_until, claimed_at = NULL
    WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id;
    RETURN;
  END IF;
  PERFORM graphile_worker.add_job(
    'send_contract_message',
    json_build_object('tenant_id', p_tenant_id, 'message_id', p_message_id),
    run_at => p_until,
    max_attempts => 8,
    -- Keyed as the earlier queue functions keyed it: the first signer's offer mail, per player.
    job_key => CASE
      WHEN message.kind = 'offer' AND (message.signer_id IS NULL OR EXISTS (
        SELECT 1 FROM contract_signers
        WHERE contract_signers.tenant_id = p_tenant_id AND contract_signers.id = message.signer_id AND contract_signers.position = 1
      )) THEN contract_offer_mail_key(p_tenant_id, message.player_id)
    END
  );
END;
$$;
