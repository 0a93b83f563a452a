-- The e-mail worker's poll (src/worker/mail-dispatcher.ts): takes up to p_limit due messages of the
-- outbox (queued, with a due_at that has come) and claims them for p_lease: each is due again only
-- once the lease runs out, so a message whose worker died is taken again then, by any worker. Rows
-- another worker is claiming right now are skipped, not waited for (SKIP LOCKED): two workers never
-- take one message. Messages queued the earlier way (no due_at) are their graphile-worker job's.
-- An idle poll is one range read of the partial index contract_messages_due that finds nothing.
-- Oldest due first, though nothing depends on the order. attempts: those made before this one.
CREATE OR REPLACE FUNCTION claim_contract_messages(p_limit integer, p_lease interval)
RETURNS TABLE (tenant_id integer, id bigint, attempts integer, created_at timestamptz)
LANGUAGE sql
AS $$
  UPDATE contract_messages AS claimed SET due_at = now() + p_lease, claimed_at = now()
  FROM (
    SELECT due.tenant_id, due.id FROM contract_messages AS due
    WHERE due.status = 'queued' AND due.due_at IS NOT NULL AND due.due_at <= now()
    ORDER BY due.due_at
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ) AS due
  WHERE claimed.tenant_id = due.tenant_id AND claimed.id = due.id
  RETURNING claimed.tenant_id, claimed.id, claimed.attempts, claimed.created_at;
$$;
