-- POST /admin/players, with or without an Idempotency-Key (p_idempotency): the player, their teams,
-- birth date, guardians and the club's own id for them (docs/PRODUCT.md, "People") in one
-- transaction, so a team that is not the club's (player_teams_team_fkey), a refused birth date or
-- guardian (INVAL, from check_player_people) or an external_id another of the club's players has
-- (players_external_id_unique) leaves no player behind. p_guardians: a JSON array of {"name",
-- "email"}, in order; NULL is none. p_external_id NULL: the player has none.
--
-- It stands beside create_player_with_guardians, which the release before it still calls during a
-- rolling deploy (docs/OPERATING.md, "A breaking change"); a replay of an outcome that function
-- stored under the same Idempotency-Key answers with no external_id, as that player has none.
CREATE OR REPLACE FUNCTION create_player_with_external_id(
  p_tenant_id integer,
  p_name text,
  p_email text,
  p_team_ids integer[],
  p_birth_date date,
  p_guardians jsonb,
  p_external_id text,
  p_idempotency idempotency_claim DEFAULT NULL
) RETURNS SETOF create_player_with_external_id_outcome
LANGUAGE plpgsql
AS $$
DECLARE
  replay jsonb := claim_idempotency_key(p_tenant_id, p_idempotency);
  created players;
  outcome create_player_with_external_id_outcome;
BEGIN
  IF replay IS NOT NULL THEN
    outcome := jsonb_populate_record(NULL::create_player_with_external_id_outcome, replay);
    outcome.guardians := coalesce(outcome.guardians, '[]'::jsonb);
    RETURN NEXT outcome;
    RETURN;
  END IF;
  PERFORM check_player_people(p_birth_date, p_guardians);
  INSERT INTO players (tenant_id, name, email, birth_date, external_id)
  VALUES (p_tenant_id, p_name, p_email, p_birth_date, p_external_id)
  RETURNING * INTO created;
  INSERT INTO player_teams (tenant_id, player_id, team_id)
  SELECT p_tenant_id, created.id, team_id FROM unnest(p_team_ids) AS team_id;
  outcome := ROW(
    false, created.id, created.name, created.email, created.contract_status, created.contract_token,
    created.monthly_fee, ARRAY(SELECT team_id FROM unnest(p_team_ids) AS team_id ORDER BY team_id),
    created.birth_date, set_player_guardians(p_tenant_id, created.id, coalesce(p_guardians, '[]'::jsonb)),
    created.external_id
  );
  PERFORM settle_idempotency_key(p_tenant_id, p_idempotency, to_jsonb(outcome));
  RETURN NEXT outcome;
END;
$$;
