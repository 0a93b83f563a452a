-- The steps WITHDRAW and EXPIRE share once the caller holds the player's row lock (p_before, as
-- locked): an open offer ends. contract_transition applies the service machine's judgement
-- (p_allowed_from) and the rules, or raises the state's refusal; the contract takes the state the
-- rule names, with the audit row the rule names (p_reason is the withdrawal's, NULL for an expiry);
-- the offer's unsent e-mail is marked skipped (p_unsent_because says why), its reminder job goes,
-- and, when the offer has several signers, every one still pending is told.
-- Returns the audit row's id and the new state.
CREATE OR REPLACE FUNCTION end_offered_contract(
  p_before players,
  p_event text,
  p_allowed_from text[],
  p_actor text,
  p_source text,
  p_reason text,
  p_unsent_because text,
  OUT audit_id bigint,
  OUT new_status text
)
LANGUAGE plpgsql
AS $$
DECLARE
  rule contract_transitions := contract_transition(p_before.contract_status, jsonb_build_object('type', p_event), '{}', p_allowed_from);
  after players;
  current_team_ids integer[];
  recipient contract_signers;
BEGIN
  PERFORM permit_contract_write(p_before.tenant_id, p_before.id, p_event);
  UPDATE players SET contract_status = rule.to_status
  WHERE players.tenant_id = p_before.tenant_id AND players.id = p_before.id
  RETURNING * INTO after;

  current_team_ids := team_ids_of_player(p_before.tenant_id, p_before.id);
  INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source, reason)
  VALUES (
    p_before.tenant_id, p_before.id, rule.audit_event,
    snapshot_contract(p_before, current_team_ids), snapshot_contract(after, current_team_ids),
    p_actor, p_source, p_reason
  )
  RETURNING contract_audit_log.id INTO audit_id;
  PERFORM queue_contract_event(p_event, rule.audit_event, after, p_before.contract_status, audit_id, current_team_ids);
  new_status := after.contract_status;

  UPDATE contract_messages SET status = 'skipped', last_error = p_unsent_because
  WHERE contract_messages.tenant_id = p_before.tenant_id AND contract_messages.player_id = p_before.id
    AND contract_messages.status = 'queued' AND contract_messages.kind IN ('offer', 'reminder');
  PERFORM graphile_worker.remove_job(contract_reminder_job_key(p_before.tenant_id, p_before.id));

  -- With several signers, every one still waiting hears that the offer ended (docs/PRODUCT.md, "Who
  -- signs"): another may have signed and be waiting for them. An offer with one signer ends as it
  -- always did, its link saying so.
  FOR recipient IN
    SELECT * FROM contract_signers
    WHERE contract_signers.tenant_id = p_before.tenant_id AND contract_signers.player_id = p_before.id
      AND contract_signers.status = 'pending'
      AND EXISTS (
        SELECT 1 FROM contract_signers AS other
        WHERE other.tenant_id = p_before.tenant_id AND other.player_id = p_before.id AND other.position > 1
      )
    ORDER BY contract_signers.position
  LOOP
    PERFORM queue_signer_message(p_before.tenant_id, p_before.id, 'confirmation', NULL, audit_id, recipient, p_before.email);
  END LOOP;
END;
$$;
