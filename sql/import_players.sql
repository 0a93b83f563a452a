-- POST /admin/players/import (docs/PRODUCT.md, "Roster import"): a club's roster file, already read
-- and checked row by row by the service, written in one call and so in one transaction: every row
-- or none.
--
-- p_rows: a JSON array of {"line", "external_id", "name", "email", "team", "birth_date",
-- "guardians"}, one per row of the file, where line is the row's line in the file (for the
-- answer), external_id, team and birth_date may be null, and guardians is a list of {"name",
-- "email"} in order. p_columns: which of team, birth_date and guardians the file has columns for.
-- A row whose external_id one of the club's players has updates that player; any other row creates
-- a player (with that external_id, if it has one). An update sets the fields whose columns the file
-- has and leaves the others as they are: the team column makes the named team the player's one
-- team (an empty cell: no team), the guardian columns replace the whole list as
-- set_player_guardians does (each guardian of a changed list gets a new id; the same list is no
-- change). A team named that the club does not have is created, by exactly that name.
--
-- Refusals: import_invalid (IMINV), nothing written, with DETAIL a JSON array of {"line", "column",
-- "message"} naming every row that cannot be imported as it stands: a signed player whose team the
-- row changes (a signed player moves only by a tier-change offer, as PATCH refuses with TMOFR), an
-- external_id on two rows. The people the rows list are checked again as POST /admin/players checks
-- them (check_player_people); the service checked them first, so that refusal names only the first
-- row it finds.
--
-- Every write is one statement for all the rows (a 5,000-row file within the 5 s of docs/PRODUCT.md,
-- "Roster import"; a statement per row took several times that): the rows are compared with the
-- players they name, the players that change are locked, and the writes follow. New players' ids
-- are drawn from the players' sequence first, so that each row knows its player.
--
-- Locks: imports of one club run one after the other (a transaction advisory lock on the club), so
-- two of them never race to create the same external_id. A player is locked (FOR UPDATE, as PATCH
-- and an offer take it) only when the row changes them, in player id order (so an import never
-- deadlocks with another writer that locks several players in that order); their teams and
-- contract state are read again under the lock before the signed player's rule is applied. An
-- unchanged player is not locked: their family can sign while the import runs, as can every family
-- whose player the file does not change.
--
-- Answers one row: how many players were created, updated and left unchanged, the teams created
-- (in the order the file first names them), and each row's outcome, {"line", "player_id",
-- "action"}, in line order.
CREATE OR REPLACE FUNCTION import_players(p_tenant_id integer, p_rows jsonb, p_columns text[])
RETURNS TABLE (created integer, updated integer, unchanged integer, teams_created text[], rows jsonb)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
  given record;
  checked_line integer;
  refused_column text;
  refusal text;
  problems jsonb;
  new_teams text[];
  team_ids_by_name jsonb;
  -- The rows that name a player of the club, in line order, one array per column.
  matched_lines integer[];
  matched_ids integer[];
  changes_player boolean[];
  changes_teams boolean[];
  changes_guardians boolean[];
  -- The rows that create a player, in line order.
  new_lines integer[];
  new_ids integer[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('import_players'), p_tenant_id);

  BEGIN
    FOR given IN SELECT * FROM jsonb_to_recordset(p_rows) AS r(line integer, birth_date date, guardians jsonb) ORDER BY r.line LOOP
      checked_line := given.line;
      PERFORM check_player_people(given.birth_date, given.guardians);
    END LOOP;
  EXCEPTION WHEN SQLSTATE 'INVAL' THEN
    GET STACKED DIAGNOSTICS refused_column = COLUMN_NAME, refusal = MESSAGE_TEXT;
    -- A guardian's refusal names no one column of the file (name or e-mail, first or second): null.
    RAISE EXCEPTION 'line %: %', checked_line, refusal USING ERRCODE = 'IMINV', DETAIL = jsonb_build_array(
      jsonb_build_object('line', checked_line, 'column', nullif(refused_column, 'guardians'), 'message', refusal)
    )::text;
  END;

  SELECT jsonb_agg(jsonb_build_object(
    'line', repeated.line, 'column', 'external_id',
    'message', format('external_id %s is also on line %s', repeated.external_id, repeated.first_line)
  ) ORDER BY repeated.line)
  INTO problems
  FROM (
    SELECT r.line, r.external_id, min(r.line) OVER (PARTITION BY r.external_id) AS first_line
    FROM jsonb_to_recordset(p_rows) AS r(line integer, external_id text)
    WHERE r.external_id IS NOT NULL
  ) AS repeated
  WHERE repeated.line > repeated.first_line;
  IF problems IS NOT NULL THEN
    RAISE EXCEPTION '% rows repeat an external_id', jsonb_array_length(problems) USING ERRCODE = 'IMINV', DETAIL = problems::text;
  END IF;

  -- ON CONFLICT: a team of that name that another transaction adds meanwhile is used, not created twice.
  WITH named AS (
    SELECT r.team, min(r.line) AS first_line
    FROM jsonb_to_recordset(p_rows) AS r(line integer, team text)
    WHERE r.team IS NOT NULL
    GROUP BY r.team
  ), inserted AS (
    INSERT INTO teams (tenant_id, name)
    SELECT p_tenant_id, named.team FROM named
    WHERE NOT EXISTS (SELECT 1 FROM teams WHERE teams.tenant_id = p_tenant_id AND teams.name = named.team)
    ON CONFLICT ON CONSTRAINT teams_name_unique DO NOTHING
    RETURNING teams.name
  )
  SELECT coalesce(array_agg(inserted.name ORDER BY named.first_line), '{}') INTO new_teams
  FROM inserted JOIN named ON named.team = inserted.name;

  SELECT coalesce(jsonb_object_agg(teams.name, teams.id), '{}') INTO team_ids_by_name
  FROM teams
  WHERE teams.tenant_id = p_tenant_id
    AND teams.name IN (SELECT r.team FROM jsonb_to_recordset(p_rows) AS r(team text));

  -- What each row would change of the player it names, read without a lock.
  SELECT
    coalesce(array_agg(compared.line ORDER BY compared.line), '{}'),
    coalesce(array_agg(compared.player_id ORDER BY compared.line), '{}'),
    coalesce(array_agg(compared.changes_player ORDER BY compared.line), '{}'),
    coalesce(array_agg(compared.changes_teams ORDER BY compared.line), '{}'),
    coalesce(array_agg(compared.changes_guardians ORDER BY compared.line), '{}')
  INTO matched_lines, matched_ids, changes_player, changes_teams, changes_guardians
  FROM (
    SELECT
      r.line,
      players.id AS player_id,
      r.name IS DISTINCT FROM players.name OR r.email IS DISTINCT FROM players.email
        OR ('birth_date' = ANY (p_columns) AND r.birth_date IS DISTINCT FROM players.birth_date) AS changes_player,
      'team' = ANY (p_columns)
        AND ARRAY(SELECT (team_ids_by_name->>r.team)::integer WHERE r.team IS NOT NULL)
          IS DISTINCT FROM team_ids_of_player(p_tenant_id, players.id) AS changes_teams,
      'guardians' = ANY (p_columns) AND r.guardians IS DISTINCT FROM (
        SELECT coalesce(jsonb_agg(jsonb_build_object('name', guardians.name, 'email', guardians.email) ORDER BY guardians.position), '[]')
        FROM guardians WHERE guardians.tenant_id = p_tenant_id AND guardians.player_id = players.id
      ) AS changes_guardians
    FROM jsonb_to_recordset(p_rows) AS r(line integer, external_id text, name text, email text, team text, birth_date date, guardians jsonb)
    JOIN players ON players.tenant_id = p_tenant_id AND players.external_id = r.external_id
  ) AS compared;

  PERFORM 1 FROM players
  WHERE players.tenant_id = p_tenant_id
    AND players.id IN (
      SELECT matched.id FROM unnest(matched_ids, changes_player, changes_teams, changes_guardians) AS matched(id, person, teams, new_list)
      WHERE matched.person OR matched.teams OR matched.new_list
    )
  ORDER BY players.id
  FOR UPDATE;

  -- Under the lock: whose teams the row changes now, and which of them has a signed contract.
  SELECT
    coalesce(array_agg(rechecked.changes_teams ORDER BY rechecked.line), '{}'),
    jsonb_agg(jsonb_build_object(
      'line', rechecked.line, 'column', 'team', 'message',
      'the player has a signed contract: they move to another team only by a tier-change offer '
      '(POST /admin/contract/offer with target_team_id)'
    ) ORDER BY rechecked.line) FILTER (WHERE rechecked.changes_teams AND rechecked.contract_status = 'signed')
  INTO changes_teams, problems
  FROM (
    SELECT
      matched.line,
      players.contract_status,
      (matched.person OR matched.teams OR matched.new_list) AND 'team' = ANY (p_columns)
        AND ARRAY(SELECT (team_ids_by_name->>r.team)::integer WHERE r.team IS NOT NULL)
          IS DISTINCT FROM team_ids_of_player(p_tenant_id, players.id) AS changes_teams
    FROM unnest(matched_lines, matched_ids, changes_player, changes_teams, changes_guardians)
      AS matched(line, id, person, teams, new_list)
    JOIN jsonb_to_recordset(p_rows) AS r(line integer, team text) ON r.line = matched.line
    JOIN players ON players.tenant_id = p_tenant_id AND players.id = matched.id
  ) AS rechecked;
  IF problems IS NOT NULL THEN
    RAISE EXCEPTION '% rows cannot be imported', jsonb_array_length(problems) USING ERRCODE = 'IMINV', DETAIL = problems::text;
  END IF;

  SELECT coalesce(array_agg(numbered.line ORDER BY numbered.line), '{}'), coalesce(array_agg(numbered.id ORDER BY numbered.line), '{}')
  INTO new_lines, new_ids
  FROM (
    SELECT unmatched.line, nextval(pg_get_serial_sequence('players', 'id'))::integer AS id
    FROM (
      SELECT r.line FROM jsonb_to_recordset(p_rows) AS r(line integer, external_id text)
      WHERE r.external_id IS NULL
        OR NOT EXISTS (SELECT 1 FROM players WHERE players.tenant_id = p_tenant_id AND players.external_id = r.external_id)
      ORDER BY r.line
    ) AS unmatched
  ) AS numbered;

  INSERT INTO players (id, tenant_id, name, email, birth_date, external_id)
  OVERRIDING SYSTEM VALUE
  SELECT fresh.id, p_tenant_id, r.name, r.email, r.birth_date, r.external_id
  FROM unnest(new_lines, new_ids) AS fresh(line, id)
  JOIN jsonb_to_recordset(p_rows) AS r(line integer, external_id text, name text, email text, birth_date date) ON r.line = fresh.line
  ORDER BY fresh.id;

  UPDATE players
  SET name = r.name,
      email = r.email,
      birth_date = CASE WHEN 'birth_date' = ANY (p_columns) THEN r.birth_date ELSE players.birth_date END
  FROM unnest(matched_lines, matched_ids, changes_player) AS matched(line, id, person)
  JOIN jsonb_to_recordset(p_rows) AS r(line integer, name text, email text, birth_date date) ON r.line = matched.line
  WHERE matched.person AND players.tenant_id = p_tenant_id AND players.id = matched.id;

  DELETE FROM player_teams
  USING unnest(matched_ids, changes_teams) AS matched(id, teams)
  WHERE matched.teams AND player_teams.tenant_id = p_tenant_id AND player_teams.player_id = matched.id;

  DELETE FROM guardians
  USING unnest(matched_ids, changes_guardians) AS matched(id, new_list)
  WHERE matched.new_list AND guardians.tenant_id = p_tenant_id AND guardians.player_id = matched.id;

  -- The rows' teams, for the new players and the players whose teams change.
  INSERT INTO player_teams (tenant_id, player_id, team_id)
  SELECT p_tenant_id, written.id, (team_ids_by_name->>r.team)::integer
  FROM (
    SELECT fresh.line, fresh.id FROM unnest(new_lines, new_ids) AS fresh(line, id)
    UNION ALL
    SELECT matched.line, matched.id FROM unnest(matched_lines, matched_ids, changes_teams) AS matched(line, id, teams) WHERE matched.teams
  ) AS written
  JOIN jsonb_to_recordset(p_rows) AS r(line integer, team text) ON r.line = written.line
  WHERE r.team IS NOT NULL;

  -- The rows' guardians, in order, for the new players and the players whose list changes.
  INSERT INTO guardians (tenant_id, player_id, position, name, email)
  SELECT p_tenant_id, written.id, listed.position, listed.guardian->>'name', listed.guardian->>'email'
  FROM (
    SELECT fresh.line, fresh.id FROM unnest(new_lines, new_ids) AS fresh(line, id)
    UNION ALL
    SELECT matched.line, matched.id
    FROM unnest(matched_lines, matched_ids, changes_guardians) AS matched(line, id, new_list) WHERE matched.new_list
  ) AS written
  JOIN jsonb_to_recordset(p_rows) AS r(line integer, guardians jsonb) ON r.line = written.line
  CROSS JOIN LATERAL jsonb_array_elements(r.guardians) WITH ORDINALITY AS listed(guardian, position)
  ORDER BY written.id, listed.position;

  RETURN QUERY
  SELECT
    count(*) FILTER (WHERE outcome.action = 'created')::integer,
    count(*) FILTER (WHERE outcome.action = 'updated')::integer,
    count(*) FILTER (WHERE outcome.action = 'unchanged')::integer,
    new_teams,
    coalesce(
      jsonb_agg(jsonb_build_object('line', outcome.line, 'player_id', outcome.player_id, 'action', outcome.action) ORDER BY outcome.line),
      '[]'::jsonb
    )
  FROM (
    SELECT fresh.line, fresh.id AS player_id, 'created' AS action FROM unnest(new_lines, new_ids) AS fresh(line, id)
    UNION ALL
    SELECT matched.line, matched.id, CASE WHEN matched.person OR matched.teams OR matched.new_list THEN 'updated' ELSE 'unchanged' END
    FROM unnest(matched_lines, matched_ids, changes_player, changes_teams, changes_guardians) AS matched(line, id, person, teams, new_list)
  ) AS outcome;
END;
$$;
