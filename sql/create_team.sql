-- POST /admin/teams, with or without an Idempotency-Key (p_idempotency). A name the club already
-- uses violates teams_name_unique.
CREATE OR REPLACE FUNCTION create_team(p_tenant_id integer, p_name text, p_idempotency idempotency_claim DEFAULT NULL)
RETURNS SETOF create_team_outcome
LANGUAGE plpgsql
AS $$
DECLARE
  replay jsonb := claim_idempotency_key(p_tenant_id, p_idempotency);
  outcome create_team_outcome;
BEGIN
  IF replay IS NOT NULL THEN
    RETURN NEXT jsonb_populate_record(NULL::create_team_outcome, replay);
    RETURN;
  END IF;
  INSERT INTO teams (tenant_id, name) VALUES (p_tenant_id, p_name)
  RETURNING false, teams.id, teams.name INTO outcome;
  PERFORM settle_idempotency_key(p_tenant_id, p_idempotency, to_jsonb(outcome));
  RETURN NEXT outcome;
END;
$$;
