-- Who signs the offer just made to p_player (docs/PRODUCT.md, "Who signs"), fixed now, each with a
-- link of their own; a guardian list changed later applies from the next offer. A player whose
-- birth date makes them the club's adult_age or older on the offer's day (in the club's time zone)
-- signs alone, at the player's e-mail. Otherwise the listed guardians sign, in list order: under
-- `one_guardian` any one of them completes the contract, under `all_guardians` every one must. A
-- minor or a player of unknown age with no guardian listed: the player's e-mail signs alone, as
-- before signers existed. The first signer's token is the player's contract_token, which the offer
-- has just minted and routed; the others get their own, routed to the player (contract_links). Each
-- signer keeps the language they were listed with (docs/LANGUAGES.md): the guardian's, or the
-- player's.
--
-- The previous offer's signers give way with as few row writes as the change allows (docs/PERFORMANCE.md,
-- "Writes per offer"): a row at a position the new offer also has is rewritten as its new signer, one
-- past the new offer's last position is deleted, a position the old offer lacked is inserted. A
-- rewritten row is a new signer in all but its place in the table: a new id (messages, reminders and
-- the audit's signatures name a signer by id, one offer's signer at a time), a new link, and none
-- of the old answer. The old links stay routed and are no longer held, which is what makes them
-- answer 410 as replaced from now on (lock_offered_contract).
CREATE OR REPLACE FUNCTION mint_contract_signers(p_player players) RETURNS SETOF contract_signers
LANGUAGE plpgsql
AS $$
DECLARE
  club tenants;
  alone boolean;
BEGIN
  SELECT * INTO club FROM tenants WHERE tenants.id = p_player.tenant_id;
  alone := (p_player.birth_date + make_interval(years => club.adult_age) <= (now() AT TIME ZONE club.time_zone)::date) IS TRUE
    OR NOT EXISTS (
      SELECT 1 FROM guardians WHERE guardians.tenant_id = p_player.tenant_id AND guardians.player_id = p_player.id
    );

  RETURN QUERY
  -- Materialized (gen_random_bytes is volatile): each statement below sees the same tokens.
  WITH minted AS (
    SELECT
      listed.position, listed.role, listed.name, listed.email, listed.completes, listed.language,
      CASE
        WHEN listed.position = 1 THEN p_player.contract_token
        -- 32 bytes from pgcrypto's CSPRNG, base64url without padding: 43 characters, as every link.
        ELSE rtrim(translate(encode(gen_random_bytes(32), 'base64'), '+/', '-_'), '=')
      END AS token
    FROM (
      SELECT 1::smallint AS position, 'player'::text AS role, p_player.name, p_player.email, true AS completes, p_player.language
      WHERE alone
      UNION ALL
      SELECT
        row_number() OVER (ORDER BY guardians.position)::smallint, 'guardian', guardians.name, guardians.email,
        club.signing_policy = 'one_guardian', guardians.language
      FROM guardians
      WHERE NOT alone AND guardians.tenant_id = p_player.tenant_id AND guardians.player_id = p_player.id
    ) AS listed
  ),
  gone AS (
    DELETE FROM contract_signers AS signer
    WHERE signer.tenant_id = p_player.tenant_id AND signer.player_id = p_player.id
      AND signer.position > (SELECT max(minted.position) FROM minted)
  ),
  -- Every column a signature or a decline sets goes back to its default: a column added to
  -- contract_signers later joins this list.
  rewritten AS (
    UPDATE contract_signers AS signer SET
      id = DEFAULT,
      role = minted.role,
      name = minted.name,
      email = minted.email,
      token = minted.token,
      completes = minted.completes,
      status = DEFAULT,
      answered_at = NULL,
      signed_by = NULL,
      signed_ip = NULL,
      user_agent = NULL,
      esign_consent = NULL,
      disclosure_version = NULL,
      disclosure_sha256 = NULL,
      terms_version = NULL,
      terms_sha256 = NULL,
      contract_version = NULL,
      signature_url = NULL,
      language = minted.language,
      terms_language = NULL
    FROM minted
    WHERE signer.tenant_id = p_player.tenant_id AND signer.player_id = p_player.id AND signer.position = minted.position
    RETURNING signer.*
  ),
  added AS (
    INSERT INTO contract_signers (tenant_id, player_id, position, role, name, email, token, completes, language)
    SELECT p_player.tenant_id, p_player.id, minted.position, minted.role, minted.name, minted.email, minted.token, minted.completes, minted.language
    FROM minted
    WHERE NOT EXISTS (
      SELECT 1 FROM contract_signers AS signer
      WHERE signer.tenant_id = p_player.tenant_id AND signer.player_id = p_player.id AND signer.position = minted.position
    )
    RETURNING *
  ),
  routed AS (
    INSERT INTO contract_links (token, tenant_id, player_id)
    SELECT minted.token, p_player.tenant_id, p_player.id FROM minted WHERE minted.position > 1
  )
  SELECT signers.* FROM (SELECT * FROM rewritten UNION ALL SELECT * FROM added) AS signers
  ORDER BY signers.position;
END;
$$;
