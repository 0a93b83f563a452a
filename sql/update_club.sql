-- PATCH /admin/club: changes the club's settings named in p_changes (a JSON object; a key present
-- with null clears contact_email), leaves the others as they are, and answers the club as stored.
-- No row when there is no such club. The tenants CHECKs bound every value; a time zone must also be
-- one PostgreSQL knows by exactly this name (pg_timezone_names: IANA names, not abbreviations or
-- POSIX offsets), or the change is refused with INVAL naming the field, and nothing is written.
CREATE OR REPLACE FUNCTION update_club(p_tenant_id integer, p_changes jsonb)
RETURNS TABLE (
  slug text,
  name text,
  signing_policy text,
  adult_age smallint,
  default_language text,
  contact_email text,
  time_zone text
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
BEGIN
  IF p_changes ? 'time_zone' AND NOT EXISTS (
    SELECT 1 FROM pg_timezone_names WHERE pg_timezone_names.name = p_changes->>'time_zone'
  ) THEN
    RAISE EXCEPTION 'is not a time zone PostgreSQL knows by that name' USING ERRCODE = 'INVAL', COLUMN = 'time_zone';
  END IF;
  RETURN QUERY
  UPDATE tenants SET
    name = CASE WHEN p_changes ? 'name' THEN p_changes->>'name' ELSE tenants.name END,
    signing_policy = CASE WHEN p_changes ? 'signing_policy' THEN p_changes->>'signing_policy' ELSE tenants.signing_policy END,
    adult_age = CASE WHEN p_changes ? 'adult_age' THEN (p_changes->>'adult_age')::smallint ELSE tenants.adult_age END,
    default_language = CASE
      WHEN p_changes ? 'default_language' THEN p_changes->>'default_language' ELSE tenants.default_language
    END,
    contact_email = CASE WHEN p_changes ? 'contact_email' THEN p_changes->>'contact_email' ELSE tenants.contact_email END,
    time_zone = CASE WHEN p_changes ? 'time_zone' THEN p_changes->>'time_zone' ELSE tenants.time_zone END
  WHERE tenants.id = p_tenant_id
  RETURNING tenants.slug, tenants.name, tenants.signing_policy, tenants.adult_age, tenants.default_language,
    tenants.contact_email, tenants.time_zone;
END;
$$;
