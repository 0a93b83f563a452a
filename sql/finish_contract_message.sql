-- The worker's last step with a message: `sent`, `failed` (the server refused it for good, or the
-- retries ran out) with the reason, or NULL to leave it queued for the next attempt with the error
-- that stopped this one. A message a newer offer marked skipped while it was being sent did leave:
-- it is recorded sent, so the contract's history lists every mail the family got. A message given
-- up is the club's `message.failed` webhook event (docs/WEBHOOKS.md, "Events"), in the same
-- transaction.
CREATE OR REPLACE FUNCTION finish_contract_message(
  p_tenant_id integer,
  p_message_id bigint,
  p_status text,
  p_error text
) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  message contract_messages;
  club tenants;
BEGIN
  UPDATE contract_messages SET
    status = coalesce(p_status, contract_messages.status),
    last_error = p_error,
    sent_at = CASE WHEN p_status = 'sent' THEN now() END
  WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id
    AND (contract_messages.status = 'queued' OR (p_status = 'sent' AND contract_messages.status = 'skipped'))
  RETURNING * INTO message;
  IF NOT FOUND OR p_status IS DISTINCT FROM 'failed' THEN
    RETURN;
  END IF;
  SELECT * INTO club FROM tenants WHERE tenants.id = p_tenant_id;
  PERFORM queue_webhook_event(p_tenant_id, 'message.failed', jsonb_build_object(
    'club', jsonb_build_object('slug', club.slug, 'name', club.name),
    'player_id', message.player_id,
    'external_id', (SELECT players.external_id FROM players WHERE players.tenant_id = p_tenant_id AND players.id = message.player_id),
    'message', jsonb_build_object(
      'id', message.id,
      'kind', message.kind,
      'recipient', message.recipient,
      'signer_id', message.signer_id,
      'error', message.last_error
    )
  ));
END;
$$;
