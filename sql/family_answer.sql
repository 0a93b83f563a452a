-- What SIGN and DECLINE answer the family with, from the row they just wrote: the contract as the
-- family's link shows it (GET /contract/:token): the club, and the terms the offer pinned, with
-- their text, so the answer needs no second round trip.
CREATE OR REPLACE FUNCTION family_answer(p_before players, p_after players) RETURNS TABLE (
  previous_status text,
  contract_status text,
  player_name text,
  team_names text[],
  monthly_fee integer,
  contract_version text,
  club_name text,
  terms_version integer,
  terms_title text,
  terms_sha256 bytea,
  terms_body text
)
LANGUAGE sql
STABLE
AS $$
  SELECT
    p_before.contract_status,
    p_after.contract_status,
    p_after.name,
    ARRAY(
      SELECT teams.name FROM player_teams
      JOIN teams ON teams.tenant_id = player_teams.tenant_id AND teams.id = player_teams.team_id
      WHERE player_teams.tenant_id = p_after.tenant_id AND player_teams.player_id = p_after.id
      ORDER BY teams.name
    ),
    p_after.monthly_fee,
    p_after.contract_version,
    tenants.name,
    terms.version,
    terms.title,
    terms.sha256,
    terms.body
  FROM tenants
  LEFT JOIN contract_terms AS terms
    ON terms.tenant_id = p_after.tenant_id AND terms.version = p_after.contract_terms_version
  WHERE tenants.id = p_after.tenant_id;
$$;
