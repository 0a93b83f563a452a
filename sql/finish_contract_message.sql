-- The worker's last step with a message: `sent`, `failed` (the server refused it for good, or the
-- retries ran out) with the reason, or NULL to leave it queued for the next attempt with the error
-- that stopped this one. A message of the outbox (one with a due_at: docs/DESIGN.md, "E-mail queue")
-- left queued is due again after graphile-worker's backoff, e^attempts seconds, so its eight attempts
-- span about 30 minutes as a job's did; a message queued the earlier way is retried by its job. A
-- message a newer offer marked skipped while it was being sent did leave: it is recorded sent, so
-- the contract's history lists every mail the family got. A message given up is the club's
-- `message.failed` webhook event (docs/WEBHOOKS.md, "Events"), in the same transaction. SQL, as the
-- previous release's was: a call of it in flight while the migration replacing it commits must find
-- the language it started in.
CREATE OR REPLACE FUNCTION finish_contract_message(
  p_tenant_id integer,
  p_message_id bigint,
  p_status text,
  p_error text
) RETURNS void
LANGUAGE sql
AS $$
  WITH finished AS (
    UPDATE contract_messages SET
      status = coalesce(p_status, contract_messages.status),
      last_error = p_error,
      sent_at = CASE WHEN p_status = 'sent' THEN now() END,
      due_at = CASE
        WHEN p_status IS NULL AND contract_messages.due_at IS NOT NULL
          THEN now() + make_interval(secs => exp(least(contract_messages.attempts, 10)))
        ELSE contract_messages.due_at
      END,
      claimed_at = NULL
    WHERE contract_messages.tenant_id = p_tenant_id AND contract_messages.id = p_message_id
      AND (contract_messages.status = 'queued' OR (p_status = 'sent' AND contract_messages.status = 'skipped'))
    RETURNING contract_messages.*
  )
  SELECT queue_webhook_event(p_tenant_id, 'message.failed', jsonb_build_object(
    'club', jsonb_build_object('slug', tenants.slug, 'name', tenants.name),
    'player_id', finished.player_id,
    'external_id', players.external_id,
    'message', jsonb_build_object(
      'id', finished.id,
      'kind', finished.kind,
      'recipient', finished.recipient,
      'signer_id', finished.signer_id,
      'error', finished.last_error
    )
  ))
  FROM finished
  JOIN tenants ON tenants.id = finished.tenant_id
  LEFT JOIN players ON players.tenant_id = finished.tenant_id AND players.id = finished.player_id
  WHERE p_status = 'failed';
$$;
