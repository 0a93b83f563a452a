-- OFFER (SPEC §2): the whole transition in one call, so one statement is one transaction.
--
-- v2: the token an offer replaces is recorded in superseded_contract_tokens, so its family link
-- answers 410 "replaced" instead of 404 — also after declined → offered, which has no audit row.
-- v3: the rule comes from the machine's rows through contract_transition (target state, audit event,
-- refusal and its SQLSTATE) instead of a CASE that repeated it; the UPDATE passes the
-- players_contract_rules trigger with the OFFER pass.
-- v4: one round trip. The service no longer reads the player's state first: its machine names the
-- states it takes this OFFER from (p_allowed_from, from machines/evaluate.ts sourceStates), and any
-- other state is refused here, under the lock, with that state's refusal. The transition happens
-- only where the service's machine and the rules in the database both allow it.
-- v5: that check is refuse_unless_machine_allows, shared with SIGN and DECLINE.
--
-- Under the player's row lock it re-checks the rule that machines/contract.ts declares (the HTTP
-- layer checked it a moment earlier, without the lock), archives what the offer destroys, mints the
-- token, moves teams and writes the audit row. Each refusal has its own SQLSTATE; src/errors.ts maps
-- them to HTTP. A raise rolls back everything the call did.
CREATE FUNCTION offer_contract(
  p_tenant_id integer,
  p_player_id integer,
  p_monthly_fee integer,
  p_target_team_id integer, -- NULL keeps the player's teams
  p_force boolean,
  p_allowed_from text[],
  p_actor text,
  p_source text
) RETURNS TABLE (
  previous_status text,
  new_status text,
  contract_token text,
  monthly_fee integer,
  team_ids integer[],
  moved_teams boolean,
  archived boolean,
  audit_id bigint
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  before players;
  after players;
  before_team_ids integer[];
  after_team_ids integer[];
  changes_team boolean;
  rule contract_transitions;
  new_audit_id bigint;
BEGIN
  -- Concurrent offers on one player queue here (no NOWAIT) and each sees its predecessor's result.
  SELECT * INTO before
  FROM players
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'player % not found', p_player_id USING ERRCODE = 'UNKPL';
  END IF;

  PERFORM refuse_unless_machine_allows(before.contract_status, 'OFFER', p_allowed_from);

  before_team_ids := ARRAY(
    SELECT player_teams.team_id FROM player_teams
    WHERE player_teams.tenant_id = p_tenant_id AND player_teams.player_id = p_player_id
    ORDER BY player_teams.team_id
  );
  changes_team := p_target_team_id IS NOT NULL AND NOT (p_target_team_id = ANY (before_team_ids));
  after_team_ids := CASE WHEN changes_team THEN ARRAY[p_target_team_id] ELSE before_team_ids END;

  rule := contract_transition(before.contract_status, 'OFFER', p_force => p_force, p_team_change => changes_team);

  IF changes_team AND NOT EXISTS (
    SELECT 1 FROM teams WHERE teams.tenant_id = p_tenant_id AND teams.id = p_target_team_id
  ) THEN
    RAISE EXCEPTION 'team % not found', p_target_team_id USING ERRCODE = 'UNKTM';
  END IF;

  IF changes_team THEN
    DELETE FROM player_teams
    WHERE player_teams.tenant_id = p_tenant_id AND player_teams.player_id = p_player_id;
    INSERT INTO player_teams (tenant_id, player_id, team_id) VALUES (p_tenant_id, p_player_id, p_target_team_id);
  END IF;

  IF before.contract_token IS NOT NULL THEN
    INSERT INTO superseded_contract_tokens (token, tenant_id, player_id)
    VALUES (before.contract_token, p_tenant_id, p_player_id);
  END IF;

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
    contract_declined_at = NULL
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  RETURNING * INTO after;

  IF rule.audit_event IS NOT NULL THEN
    INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source)
    VALUES (
      p_tenant_id,
      p_player_id,
      rule.audit_event,
      contract_snapshot(before, before_team_ids),
      contract_snapshot(after, after_team_ids),
      p_actor,
      p_source
    )
    RETURNING contract_audit_log.id INTO new_audit_id;
  END IF;

  RETURN QUERY SELECT
    before.contract_status,
    after.contract_status,
    after.contract_token,
    after.monthly_fee,
    after_team_ids,
    changes_team,
    rule.audit_event = 'tier_change' IS TRUE,
    new_audit_id;
END;
$$;
