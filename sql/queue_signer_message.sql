-- Queues one e-mail to one signer of a contract (docs/PRODUCT.md, "Who signs") in the caller's
-- transaction: one INSERT of the contract_messages row, due now (due_at), which is the outbox the
-- worker takes its mail from (src/worker/mail-dispatcher.ts; docs/DESIGN.md, "E-mail queue"), so the
-- message exists exactly when the transition that asks for it commits. The message names its signer,
-- whose link and name it carries. A guardian's goes to the guardian's e-mail as the offer fixed it;
-- the player's to the player's e-mail as it is now (p_player_email), as before signers existed; an
-- offer made then has no signer (p_signer null).
--
-- Offers and reminders carry the sha256 of the signer's link; a confirmation carries the audit row it
-- tells of. Nothing else is written: the worker checks, when it takes a message, that its link still
-- opens the open offer (sql/begin_signer_message.sql), and marks the mail of an offer a newer one
-- replaced skipped then, so only the newest offer's mail leaves. Retries (eight attempts, about 30
-- minutes in all) are the worker's: sql/finish_contract_message.sql schedules each.
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
  queued_id bigint;
BEGIN
  INSERT INTO contract_messages (
    tenant_id, player_id, kind, recipient, contract_token_sha256, audit_id, signer_id, signer_name, signer_role, due_at
  )
  VALUES (
    p_tenant_id, p_player_id, p_kind, CASE WHEN (p_signer).role = 'guardian' THEN (p_signer).email ELSE p_player_email END, sha256(convert_to(p_contract_token, 'UTF8')),
    p_audit_id, (p_signer).id, (p_signer).name, (p_signer).role, now()
  )
  RETURNING contract_messages.id INTO queued_id;
  RETURN queued_id;
END;
$$;
