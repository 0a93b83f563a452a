-- PATCH /admin/players/:id: a player's name, e-mail and teams, each left as it is when NULL, in one
-- call under the player's row lock (the lock offer_contract takes too, so an offer and an edit never
-- interleave). Name and e-mail are not contract columns, so players_contract_rules lets them pass; a
-- new e-mail sends nothing by itself (the next reminder goes to it).
--
-- Refusals, with nothing changed: player_not_found (UNKPL, also another club's player),
-- team_not_found (UNKTM, a team that is not the club's) and team_change_needs_offer (TMOFR): a
-- signed player's teams are part of what was signed, and change only by a tier-change offer.
-- Sending a signed player's current teams again is not a change.
CREATE OR REPLACE FUNCTION update_player(
  p_tenant_id integer,
  p_player_id integer,
  p_name text,
  p_email text,
  p_team_ids integer[]
) RETURNS TABLE (
  id integer,
  name text,
  email text,
  contract_status text,
  contract_token text,
  monthly_fee integer,
  team_ids integer[]
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  player players;
  current_teams integer[];
  wanted_teams integer[];
  missing_team integer;
BEGIN
  SELECT * INTO player FROM players
  WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
  FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'player % not found', p_player_id USING ERRCODE = 'UNKPL';
  END IF;

  current_teams := team_ids_of_player(p_tenant_id, p_player_id);

  IF p_team_ids IS NOT NULL THEN
    wanted_teams := ARRAY(SELECT DISTINCT wanted.team_id FROM unnest(p_team_ids) AS wanted(team_id) ORDER BY wanted.team_id);
    SELECT wanted.team_id INTO missing_team
    FROM unnest(wanted_teams) AS wanted(team_id)
    WHERE NOT EXISTS (SELECT 1 FROM teams WHERE teams.tenant_id = p_tenant_id AND teams.id = wanted.team_id)
    LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'team % not found', missing_team USING ERRCODE = 'UNKTM';
    END IF;
    IF wanted_teams IS DISTINCT FROM current_teams THEN
      IF player.contract_status = 'signed' THEN
        RAISE EXCEPTION 'player % has a signed contract: their teams change only by a tier-change offer', p_player_id
          USING ERRCODE = 'TMOFR';
      END IF;
      DELETE FROM player_teams
      WHERE player_teams.tenant_id = p_tenant_id AND player_teams.player_id = p_player_id
        AND player_teams.team_id <> ALL (wanted_teams);
      INSERT INTO player_teams (tenant_id, player_id, team_id)
      SELECT p_tenant_id, p_player_id, wanted.team_id FROM unnest(wanted_teams) AS wanted(team_id)
      WHERE wanted.team_id <> ALL (current_teams);
      current_teams := wanted_teams;
    END IF;
  END IF;

  IF p_name IS NOT NULL OR p_email IS NOT NULL THEN
    UPDATE players
    SET name = coalesce(p_name, players.name), email = coalesce(p_email, players.email)
    WHERE players.tenant_id = p_tenant_id AND players.id = p_player_id
    RETURNING * INTO player;
  END IF;

  RETURN QUERY SELECT
    player.id, player.name, player.email, player.contract_status, player.contract_token, player.monthly_fee, current_teams;
END;
$$;
