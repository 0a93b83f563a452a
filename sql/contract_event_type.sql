-- The webhook event type of a transition (docs/WEBHOOKS.md, "Events"): the machine's event and the
-- audit type its transition writes, as src/webhooks/event-types.ts names them from
-- machines/contract.ts; test/webhook-event-types.test.ts checks the two agree for every transition.
-- NULL for anything that is no transition (admin_override).
CREATE OR REPLACE FUNCTION contract_event_type(p_event text, p_audit_event text) RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT CASE
    WHEN p_audit_event IS NULL AND p_event = 'OFFER' THEN 'contract.offered'
    WHEN p_audit_event = 're_offer' THEN 'contract.re_offered'
    WHEN p_audit_event = 'tier_change' THEN 'contract.tier_changed'
    WHEN p_audit_event = 'signature' THEN 'contract.signature_added'
    WHEN p_audit_event = 'sign' THEN 'contract.signed'
    WHEN p_audit_event = 'decline' THEN 'contract.declined'
    WHEN p_audit_event = 'withdraw' THEN 'contract.withdrawn'
    WHEN p_audit_event = 'expire' THEN 'contract.expired'
  END;
$$;
