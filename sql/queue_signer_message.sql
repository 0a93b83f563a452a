-- Queues one e-mail to one signer of a contract (docs/PRODUCT.md, "Who signs") in the caller's
-- transaction: the contract_messages row and the job that sends it (task send_contract_message,
-- added by enqueue_contract_job), so the message exists exactly when the transition that asks for it
-- commits. The message names its signer, whose link and name it carries. A guardian's goes to the
-- guardian's e-mail as the offer fixed it; the player's to the player's e-mail as it is now
-- (p_player_email), as before signers existed; an offer made then has no signer (p_signer null).
--
-- Offers and reminders carry the sha256 of the signer's link (the worker checks it still opens the
-- open offer before sending); a confirmation carries the audit row it tells of. The first signer's
-- offer mail is keyed per player (job_key): a newer offer replaces a pending one instead of adding a
-- second, and the previous offer's unsent mail is marked skipped here. The other signers' offer mail
-- is queued right after it, unkeyed: a newer offer's first signer marks it skipped the same way.
CREATE OR REPLACE FUNCTION queue_signer_message(
  p_tenant_id integer,
  p_player_id integer,
  p_kind text,
  p_contract_token text,
  p_audit_id bigint,
  p_signer contract_signers,
  p_player_email text
) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
  first_offer_mail boolean := p_kind = 'offer' AND ((p_signer).id IS NULL OR (p_signer).position = 1);
  queued_id bigint;
BEGIN
  IF first_offer_mail THEN
    UPDATE contract_messages SET status = 'skipped', last_error = 'a newer offer replaced its link before it left'
    WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.player_id = p_player_id
      AND contract_messages.kind = 'offer' AND contract_messages.status = 'queued';
  END IF;
  INSERT INTO contract_messages (
    tenant_id, player_id, kind, recipient, contract_token_sha256, audit_id, signer_id, signer_name, signer_role
  )
  VALUES (
    p_tenant_id, p_player_id, p_kind, CASE WHEN (p_signer).role = 'guardian' THEN (p_signer).email ELSE p_player_email END, sha256(convert_to(p_contract_token, 'UTF8')),
    p_audit_id, (p_signer).id, (p_signer).name, (p_signer).role
  )
  RETURNING contract_messages.id INTO queued_id;
  PERFORM enqueue_contract_job(
    'send_contract_message',
    json_build_object('tenant_id', p_tenant_id, 'message_id', queued_id),
    CASE WHEN first_offer_mail THEN contract_offer_mail_key(p_tenant_id, p_player_id) END,
    -- Exponential backoff (graphile-worker waits e^attempt seconds): eight attempts span about 30 minutes.
    p_max_attempts => 8::smallint
  );
  RETURN queued_id;
END;
$$;
