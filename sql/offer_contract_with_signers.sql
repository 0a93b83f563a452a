-- OFFER (docs/PRODUCT.md, "The state machine"): the whole transition in one call, so one statement
-- is one transaction, with or without an Idempotency-Key (p_idempotency).
--
-- Under the player's row lock, contract_transition applies the service machine's judgement
-- (p_allowed_from) and the rules machines/contract.ts declares, or raises the state's refusal. Then
-- it pins the club's newest contract terms, mints the token (the replaced one, still routed but no
-- longer held, answers 410 from then on), moves teams, fixes who signs (mint_contract_signers,
-- each signer with a link of their own), queues each signer's e-mail with their link, writes the
-- audit row the transition names and queues its webhook event (queue_contract_event). Each refusal
-- has its own SQLSTATE; src/errors.ts maps them to HTTP. A raise rolls back everything the call
-- did, the e-mail included. The outcome lists who signs.
CREATE OR REPLACE FUNCTION offer_contract_with_signers(
  p_tenant_id integer,
  p_player_id integer,
  p_monthly_fee integer,
  p_target_team_id integer, -- NULL keeps the player's teams
  p_force boolean,
  p_allowed_from text[],
  p_actor text,
  p_source text,
  p_idempotency idempotency_claim DEFAULT NULL
) RETURNS SETOF offer_contract_with_signers_outcome
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  replay jsonb := claim_idempotency_key(p_tenant_id, p_idempotency);
  event jsonb := jsonb_build_object('type', 'OFFER', 'force', p_force, 'targetTeamId', p_target_team_id);
  context jsonb;
  before players;
  after players;
  before_team_ids integer[];
  after_team_ids integer[];
  changes_team boolean;
  before_state jsonb;
  rule contract_transitions;
  terms contract_terms;
  signer contract_signers;
  outcome offer_contract_with_signers_outcome;
BEGIN
  IF replay IS NOT NULL THEN
    RETURN NEXT jsonb_populate_record(NULL::offer_contract_with_signers_outcome, replay);
    RETURN;
  END IF;

  -- Concurrent offers on one player queue here (no NOWAIT) and each sees its predecessor's result.
  SELECT * INTO before
  FROM players
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'player % not found', p_player_id USING ERRCODE = 'UNKPL';
  END IF;

  before_team_ids := team_ids_of_player(p_tenant_id, p_player_id);
  -- Taken before the new offer's signers replace the old one's, whose signatures it records.
  before_state := snapshot_contract(before, before_team_ids);
  context := jsonb_build_object('teamIds', before_team_ids);
  rule := contract_transition(before.contract_status, event, context, p_allowed_from);

  changes_team := contract_guard_team_change(context, event);
  after_team_ids := CASE WHEN changes_team THEN ARRAY[p_target_team_id] ELSE before_team_ids END;
  IF changes_team THEN
    IF NOT EXISTS (SELECT 1 FROM teams WHERE teams.tenant_id = p_tenant_id AND teams.id = p_target_team_id) THEN
      RAISE EXCEPTION 'team % not found', p_target_team_id USING ERRCODE = 'UNKTM';
    END IF;
    DELETE FROM player_teams
    WHERE player_teams.tenant_id = p_tenant_id AND player_teams.player_id = p_player_id;
    INSERT INTO player_teams (tenant_id, player_id, team_id) VALUES (p_tenant_id, p_player_id, p_target_team_id);
  END IF;

  -- The offer pins the club's newest terms: a version published later does not change it.
  SELECT * INTO terms FROM contract_terms
  WHERE contract_terms.tenant_id = p_tenant_id
  ORDER BY contract_terms.version DESC
  LIMIT 1;

  PERFORM permit_contract_write(p_tenant_id, p_player_id, 'OFFER');
  UPDATE players SET
    contract_status = rule.to_status,
    -- 32 bytes from pgcrypto's CSPRNG, base64url without padding: 43 characters.
    contract_token = rtrim(translate(encode(gen_random_bytes(32), 'base64'), '+/', '-_'), '='),
    monthly_fee = p_monthly_fee,
    contract_offered_at = now(),
    contract_offered_by = p_actor,
    contract_signed_at = NULL,
    contract_signed_by = NULL,
    contract_signed_ip = NULL,
    contract_signature_url = NULL,
    contract_version = NULL,
    contract_esign_consent = NULL,
    contract_disclosure_version = NULL,
    contract_disclosure_sha256 = NULL,
    contract_signed_user_agent = NULL,
    contract_declined_at = NULL,
    contract_terms_version = terms.version,
    contract_terms_sha256 = terms.sha256
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  RETURNING * INTO after;

  FOR signer IN SELECT * FROM mint_contract_signers(after) LOOP
    PERFORM queue_signer_message(p_tenant_id, p_player_id, 'offer', signer.token, NULL, signer, after.email);
  END LOOP;
  -- By name, not ROW(…), as every outcome is built: a type that gains attributes in a later release
  -- keeps working.
  outcome := jsonb_populate_record(NULL::offer_contract_with_signers_outcome, jsonb_build_object(
    'replayed', false,
    'previous_status', before.contract_status,
    'new_status', after.contract_status,
    'contract_token', after.contract_token,
    'monthly_fee', after.monthly_fee,
    'team_ids', after_team_ids,
    'moved_teams', changes_team,
    'archived', rule.audit_event = 'tier_change' IS TRUE,
    'actor', p_actor,
    'signers', list_contract_signers(after)
  ));
  -- The audit row last: its insert holds the club's audit chain head until commit
  -- (contract_audit_log_chain), and every offer of the club waits for that lock.
  IF rule.audit_event IS NOT NULL THEN
    INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
    VALUES (
      p_tenant_id,
      p_player_id,
      rule.audit_event,
      before_state,
      snapshot_contract(after, after_team_ids),
      p_actor,
      p_source
    )
    RETURNING contract_audit_log.id INTO outcome.audit_id;
  END IF;
  PERFORM queue_contract_event('OFFER', rule.audit_event, after, before.contract_status, outcome.audit_id, after_team_ids);

  PERFORM settle_idempotency_key(p_tenant_id, p_idempotency, to_jsonb(outcome));
  RETURN NEXT outcome;
END;
$$;
