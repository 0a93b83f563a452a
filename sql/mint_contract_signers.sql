-- Who signs the offer just made to p_player (docs/PRODUCT.md, "Who signs"), fixed now, each with a
-- link of their own; a guardian list changed later applies from the next offer. A player whose
-- birth date makes them the club's adult_age or older on the offer's day (in the club's time zone)
-- signs alone, at the player's e-mail. Otherwise the listed guardians sign, in list order: under
-- `one_guardian` any one of them completes the contract, under `all_guardians` every one must. A
-- minor or a player of unknown age with no guardian listed: the player's e-mail signs alone, as
-- before signers existed. The first signer's token is the player's contract_token, which the offer
-- has just minted and routed; the others get their own, routed to the player (contract_links). The
-- previous offer's signers go, their own links answering 410 as replaced from now on. Each signer
-- keeps the language they were listed with (docs/LANGUAGES.md): the guardian's, or the player's.
CREATE OR REPLACE FUNCTION mint_contract_signers(p_player players) RETURNS SETOF contract_signers
LANGUAGE plpgsql
AS $$
DECLARE
  club tenants;
  adult boolean;
BEGIN
  INSERT INTO superseded_contract_tokens (token, tenant_id, player_id)
  SELECT signer.token, signer.tenant_id, signer.player_id FROM contract_signers AS signer
  WHERE signer.tenant_id = p_player.tenant_id AND signer.player_id = p_player.id AND signer.position > 1;
  DELETE FROM contract_signers
  WHERE contract_signers.tenant_id = p_player.tenant_id AND contract_signers.player_id = p_player.id;

  SELECT * INTO club FROM tenants WHERE tenants.id = p_player.tenant_id;
  adult := p_player.birth_date + make_interval(years => club.adult_age) <= (now() AT TIME ZONE club.time_zone)::date;

  IF adult IS TRUE OR NOT EXISTS (
    SELECT 1 FROM guardians WHERE guardians.tenant_id = p_player.tenant_id AND guardians.player_id = p_player.id
  ) THEN
    RETURN QUERY
    INSERT INTO contract_signers (tenant_id, player_id, position, role, name, email, token, completes, language)
    VALUES (p_player.tenant_id, p_player.id, 1, 'player', p_player.name, p_player.email, p_player.contract_token, true, p_player.language)
    RETURNING *;
    RETURN;
  END IF;

  RETURN QUERY
  WITH listed AS (
    SELECT guardians.name, guardians.email, guardians.language, row_number() OVER (ORDER BY guardians.position)::smallint AS position
    FROM guardians
    WHERE guardians.tenant_id = p_player.tenant_id AND guardians.player_id = p_player.id
  )
  INSERT INTO contract_signers (tenant_id, player_id, position, role, name, email, token, completes, language)
  SELECT
    p_player.tenant_id, p_player.id, listed.position, 'guardian', listed.name, listed.email,
    CASE
      WHEN listed.position = 1 THEN p_player.contract_token
      -- 32 bytes from pgcrypto's CSPRNG, base64url without padding: 43 characters, as every link.
      ELSE rtrim(translate(encode(gen_random_bytes(32), 'base64'), '+/', '-_'), '=')
    END,
    club.signing_policy = 'one_guardian',
    listed.language
  FROM listed
  ORDER BY listed.position
  RETURNING *;

  INSERT INTO contract_links (token, tenant_id, player_id)
  SELECT signer.token, signer.tenant_id, signer.player_id FROM contract_signers AS signer
  WHERE signer.tenant_id = p_player.tenant_id AND signer.player_id = p_player.id AND signer.position > 1;
END;
$$;
