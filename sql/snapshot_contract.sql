-- A contract as the audit log records it in old_state / new_state (docs/PRODUCT.md, "Pinned
-- details"): the player's contract columns by name, the terms' hash in hex, plus the player's teams
-- and the signatures the offer has so far (docs/PRODUCT.md, "Who signs"), in signer order. It reads
-- the signers as they are now: a caller that changes one takes the old snapshot first.
--
-- PL/pgSQL, so that each session plans its query once: the transitions call it for every audit
-- row, and PostgreSQL 15 plans an SQL function's query again on every call (docs/PERFORMANCE.md,
-- "In the database").
CREATE OR REPLACE FUNCTION snapshot_contract(p_player players, p_team_ids integer[]) RETURNS jsonb
LANGUAGE plpgsql
STABLE -- timestamptz renders in the session's time zone
AS $$
BEGIN
  RETURN (
    SELECT jsonb_build_object(
      'contract_status', p_player.contract_status,
      'contract_token', p_player.contract_token,
      'monthly_fee', p_player.monthly_fee,
      'contract_offered_at', p_player.contract_offered_at,
      'contract_offered_by', p_player.contract_offered_by,
      'contract_signed_at', p_player.contract_signed_at,
      'contract_signed_by', p_player.contract_signed_by,
      'contract_signed_ip', host(p_player.contract_signed_ip),
      'contract_signature_url', p_player.contract_signature_url,
      'contract_version', p_player.contract_version,
      'contract_declined_at', p_player.contract_declined_at,
      'contract_terms_version', p_player.contract_terms_version,
      'contract_terms_sha256', encode(p_player.contract_terms_sha256, 'hex'),
      'contract_esign_consent', p_player.contract_esign_consent,
      'contract_disclosure_version', p_player.contract_disclosure_version,
      'contract_disclosure_sha256', encode(p_player.contract_disclosure_sha256, 'hex'),
      'contract_signed_user_agent', p_player.contract_signed_user_agent,
      'team_ids', to_jsonb(p_team_ids),
      'signatures', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
          'signer_id', signer.id,
          'role', signer.role,
          'name', signer.name,
          'signed_by', signer.signed_by,
          'signed_at', signer.answered_at,
          'ip', host(signer.signed_ip),
          'user_agent', signer.user_agent,
          'esign_consent', signer.esign_consent,
          'disclosure_sha256', encode(signer.disclosure_sha256, 'hex'),
          'terms_version', signer.terms_version,
          'terms_sha256', encode(signer.terms_sha256, 'hex'),
          'terms_language', signer.terms_language,
          'language', signer.language
        ) ORDER BY signer.position), '[]'::jsonb)
        FROM contract_signers AS signer
        WHERE signer.tenant_id = p_player.tenant_id AND signer.player_id = p_player.id AND signer.status = 'signed'
      )
    )
  );
END;
$$;
