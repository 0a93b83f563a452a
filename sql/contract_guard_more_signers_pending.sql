-- The machine's guard `moreSignersPending` (machines/contract.ts): a SIGN that leaves a signer the
-- contract still needs, so the offer stays open and the signature is recorded alone. The context's
-- pendingSigners is counted by sign_contract under the row lock, this signature included.
CREATE OR REPLACE FUNCTION contract_guard_more_signers_pending(p_context jsonb, p_event jsonb) RETURNS boolean
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT p_event->>'type' = 'SIGN' AND coalesce((p_context->>'pendingSigners')::integer, 0) > 0;
$$;
