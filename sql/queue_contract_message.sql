-- Kept for the previous release (docs/OPERATING.md, "Deploying"): its offers and signatures in flight
-- while the migrations commit still call it by name; queue_signer_message replaced it. Dropped once no
-- instance of that release runs.
--
-- Queues one e-mail to a family in the caller's transaction: the contract_messages row and the job
-- that sends it (task send_contract_message, added by enqueue_contract_job), so the message exists exactly when
-- the transition that asks for it commits. An offer's mail is keyed per player (job_key): a newer
-- offer replaces a pending one instead of adding a second, and its row is marked skipped here.
-- Offers and reminders carry the sha256 of the link they were queued for (the worker checks it is
-- still the player's before sending); a confirmation carries the audit row it confirms.
CREATE OR REPLACE FUNCTION queue_contract_message(
  p_tenant_id integer,
  p_player_id integer,
  p_kind text,
  p_recipient text,
  p_contract_token text,
  p_audit_id bigint
) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  queued_id bigint;
BEGIN
  IF p_kind = 'offer' THEN
    UPDATE contract_messages SET status = 'skipped', last_error = 'a newer offer replaced its link before it left'
    WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.player_id = p_player_id
      AND contract_messages.kind = 'offer' AND contract_messages.status = 'queued';
  END IF;
  INSERT INTO contract_messages (tenant_id, player_id, kind, recipient, contract_token_sha256, audit_id)
  VALUES (p_tenant_id, p_player_id, p_kind, p_recipient, sha256(convert_to(p_contract_token, 'UTF8')), p_audit_id)
  RETURNING contract_messages.id INTO queued_id;
  PERFORM enqueue_contract_job(
    'send_contract_message',
    json_build_object('tenant_id', p_tenant_id, 'message_id', queued_id),
    CASE WHEN p_kind = 'offer' THEN contract_offer_mail_key(p_tenant_id, p_player_id) END,
    -- Exponential backoff (graphile-worker waits e^attempt seconds): eight attempts span about 30 minutes.
    p_max_attempts => 8::smallint
  );
  RETURN queued_id;
END;
$$;
