-- Who signs the player's current offer, in order, as the offer's answer and the family's link list
-- them: each signer's id, name, e-mail, role, link token, status, when they answered and their
-- language (docs/LANGUAGES.md). An offer made before signers existed has no rows: its one signer is
-- the player, at the player's e-mail and link, answered when the contract was (signer_id null). The
-- caller shows each reader only what is theirs to see.
--
-- PL/pgSQL, so that each session plans its query once: the transitions call it for every audit
-- row, and PostgreSQL 15 plans an SQL function's query again on every call (docs/PERFORMANCE.md,
-- "In the database").
CREATE OR REPLACE FUNCTION list_contract_signers(p_player players) RETURNS jsonb
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
  RETURN (
    SELECT coalesce(
      (
        SELECT jsonb_agg(jsonb_build_object(
          'signer_id', signer.id,
          'name', signer.name,
          'email', signer.email,
          'role', signer.role,
          'token', signer.token,
          'status', signer.status,
          'signed_at', CASE WHEN signer.status = 'signed' THEN signer.answered_at END,
          'language', signer.language
        ) ORDER BY signer.position)
        FROM contract_signers AS signer
        WHERE signer.tenant_id = p_player.tenant_id AND signer.player_id = p_player.id
      ),
      CASE WHEN p_player.contract_token IS NOT NULL THEN jsonb_build_array(jsonb_build_object(
        'signer_id', NULL,
        'name', p_player.name,
        'email', p_player.email,
        'role', 'player',
        'token', p_player.contract_token,
        'status', CASE p_player.contract_status WHEN 'signed' THEN 'signed' WHEN 'declined' THEN 'declined' ELSE 'pending' END,
        'signed_at', p_player.contract_signed_at,
        'language', p_player.language
      )) END,
      '[]'::jsonb
    )
  );
END;
$$;
