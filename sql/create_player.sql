-- POST /admin/players, with or without an Idempotency-Key (p_idempotency): the player and their
-- teams in one transaction, so a team that is not the club's (player_teams_team_fkey) leaves no
-- player behind.
CREATE OR REPLACE FUNCTION create_player(
  p_tenant_id integer,
  p_name text,
  p_email text,
  p_team_ids integer[],
  p_idempotency idempotency_claim DEFAULT NULL
) RETURNS SETOF create_player_outcome
LANGUAGE plpgsql
AS $$
DECLARE
  replay jsonb := claim_idempotency_key(p_tenant_id, p_idempotency);
  created players;
  outcome create_player_outcome;
BEGIN
  IF replay IS NOT NULL THEN
    RETURN NEXT jsonb_populate_record(NULL::create_player_outcome, replay);
    RETURN;
  END IF;
  INSERT INTO players (tenant_id, name, email) VALUES (p_tenant_id, p_name, p_email) RETURNING * INTO created;
  INSERT INTO player_teams (tenant_id, player_id, team_id)
  SELECT p_tenant_id, created.id, team_id FROM unnest(p_team_ids) AS team_id;
  outcome := ROW(
    false, created.id, created.name, created.email, created.contract_status, created.contract_token,
    created.monthly_fee, ARRAY(SELECT team_id FROM unnest(p_team_ids) AS team_id ORDER BY team_id)
  );
  PERFORM settle_idempotency_key(p_tenant_id, p_idempotency, to_jsonb(outcome));
  RETURN NEXT outcome;
END;
$$;
