-- Whether the link whose sha256 is p_token_sha256 still opens p_player's open offer: the player's
-- own link, or a link of one of the offer's other signers (contract_signers). A queued mail, a
-- reminder or a deadline names its offer by that hash, and does nothing once a newer offer or an
-- answer has replaced it.
CREATE OR REPLACE FUNCTION offer_link_current(p_player players, p_token_sha256 bytea) RETURNS boolean
LANGUAGE sql
STABLE
AS $$
  SELECT p_player.contract_status = 'offered' AND (
    sha256(convert_to(p_player.contract_token, 'UTF8')) = p_token_sha256
    OR EXISTS (
      SELECT 1 FROM contract_signers AS signer
      WHERE signer.tenant_id = p_player.tenant_id AND signer.player_id = p_player.id
        AND sha256(convert_to(signer.token, 'UTF8')) = p_token_sha256
    )
  ) IS TRUE;
$$;
