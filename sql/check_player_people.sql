-- What create_player_with_guardians and update_player_with_guardians re-check of a player's people
-- before writing (docs/PRODUCT.md, "People"): the service validates the same first, so these fire
-- only for a caller that went around it. Each refusal is validation_failed (INVAL), naming the field
-- in COLUMN. "Today" is the date in UTC, as the service's own check reads it. p_guardians may be
-- NULL (nothing to check): else a JSON array of at most four {"name", "email", "language"?} objects,
-- a language being a code's form (whether it has a catalog is the service's to say).
CREATE OR REPLACE FUNCTION check_player_people(p_birth_date date, p_guardians jsonb) RETURNS void
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
  guardian jsonb;
BEGIN
  IF p_birth_date > (now() AT TIME ZONE 'UTC')::date THEN
    RAISE EXCEPTION 'birth_date % is in the future', p_birth_date USING ERRCODE = 'INVAL', COLUMN = 'birth_date';
  END IF;
  IF p_birth_date < date '1900-01-01' THEN
    RAISE EXCEPTION 'birth_date % is before 1900', p_birth_date USING ERRCODE = 'INVAL', COLUMN = 'birth_date';
  END IF;
  IF p_guardians IS NULL THEN
    RETURN;
  END IF;
  IF jsonb_typeof(p_guardians) <> 'array' OR jsonb_array_length(p_guardians) > 4 THEN
    RAISE EXCEPTION 'guardians must be a list of at most 4' USING ERRCODE = 'INVAL', COLUMN = 'guardians';
  END IF;
  FOR guardian IN SELECT value FROM jsonb_array_elements(p_guardians) LOOP
    IF jsonb_typeof(guardian->'name') IS DISTINCT FROM 'string' OR char_length(guardian->>'name') NOT BETWEEN 1 AND 200
       OR guardian->>'name' !~ '\S' THEN
      RAISE EXCEPTION 'a guardian''s name must be 1 to 200 characters, not blank' USING ERRCODE = 'INVAL', COLUMN = 'guardians';
    END IF;
    IF jsonb_typeof(guardian->'email') IS DISTINCT FROM 'string' OR char_length(guardian->>'email') NOT BETWEEN 3 AND 320
       OR guardian->>'email' !~ '^[^@\s]+@[^@\s]+$' THEN
      RAISE EXCEPTION 'a guardian''s email must be an e-mail address' USING ERRCODE = 'INVAL', COLUMN = 'guardians';
    END IF;
    IF guardian ? 'language' AND jsonb_typeof(guardian->'language') <> 'null'
       AND (jsonb_typeof(guardian->'language') <> 'string' OR guardian->>'language' !~ '^[a-z]{2,3}$') THEN
      RAISE EXCEPTION 'a guardian''s language must be a language code' USING ERRCODE = 'INVAL', COLUMN = 'guardians';
    END IF;
  END LOOP;
END;
$$;
