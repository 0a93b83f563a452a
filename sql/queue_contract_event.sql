-- Queues the webhook event of a transition that just happened (docs/WEBHOOKS.md, "Events"), from
-- the player's row after it: the club, the player, the states before and after, the audit row, the
-- fee, the teams and who signs. Only the events of an offer carry the links (as tokens, which the
-- worker turns into URLs with CONTRACT_BASE_URL): the club's systems need them to reach a family,
-- and no other event should spread them.
CREATE OR REPLACE FUNCTION queue_contract_event(
  p_event text,
  p_audit_event text,
  p_after players,
  p_previous_status text,
  p_audit_id bigint,
  p_team_ids integer[]
) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  event_type text := contract_event_type(p_event, p_audit_event);
  offered boolean := p_event = 'OFFER';
  club tenants;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE webhook_endpoints.tenant_id = p_after.tenant_id AND webhook_endpoints.enabled) THEN
    RETURN;
  END IF;
  SELECT * INTO club FROM tenants WHERE tenants.id = p_after.tenant_id;
  PERFORM queue_webhook_event(p_after.tenant_id, event_type, jsonb_build_object(
    'club', jsonb_build_object('slug', club.slug, 'name', club.name),
    'player_id', p_after.id,
    'external_id', p_after.external_id,
    'previous_status', p_previous_status,
    'new_status', p_after.contract_status,
    'audit_id', p_audit_id,
    'monthly_fee', p_after.monthly_fee,
    'team_ids', to_jsonb(p_team_ids),
    'signers', (
      SELECT coalesce(jsonb_agg(CASE WHEN offered THEN signer ELSE signer - 'token' END), '[]')
      FROM jsonb_array_elements(list_contract_signers(p_after)) AS signer
    )
  ) || CASE WHEN offered THEN jsonb_build_object('contract_token', p_after.contract_token) ELSE '{}' END);
END;
$$;
