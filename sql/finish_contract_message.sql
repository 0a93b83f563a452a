-- The worker's last step with a message: `sent`, `failed` (the server refused it for good, or the
-- retries ran out) with the reason, or NULL to leave it queued for the next attempt with the error
-- that stopped this one. A message a newer offer marked skipped while it was being sent did leave:
-- it is recorded sent, so the contract's history lists every mail the family got.
CREATE OR REPLACE FUNCTION finish_contract_message(
  p_tenant_id integer,
  p_message_id bigint,
  p_status text,
  p_error text
) RETURNS void
LANGUAGE sql
AS $$
  UPDATE contract_messages SET
    status = coalesce(p_status, contract_messages.status),
    last_error = p_error,
    sent_at = CASE WHEN p_status = 'sent' THEN now() END
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id
    AND (contract_messages.status = 'queued' OR (p_status = 'sent' AND contract_messages.status = 'skipped'));
$$;
