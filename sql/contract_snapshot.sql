-- A contract as the audit log records it in old_state / new_state (docs/PRODUCT.md, "Pinned
-- details"): the player's contract columns by name, the terms' hash in hex, plus the player's teams
-- and the signatures the offer has so far (docs/PRODUCT.md, "Who signs"), in signer order. It reads
-- the signers as they are now: a caller that changes one takes the old snapshot first.
CREATE OR REPLACE FUNCTION contract_snapshot(player players, team_ids integer[]) RETURNS jsonb
LANGUAGE sql
STABLE -- timestamptz renders in the session's time zone
AS $$
  SELECT jsonb_build_object(
    'contract_status', player.contract_status,
    'contract_token', player.contract_token,
    'monthly_fee', player.monthly_fee,
    'contract_offered_at', player.contract_offered_at,
    'contract_offered_by', player.contract_offered_by,
    'contract_signed_at', player.contract_signed_at,
    'contract_signed_by', player.contract_signed_by,
    'contract_signed_ip', host(player.contract_signed_ip),
    'contract_signature_url', player.contract_signature_url,
    'contract_version', player.contract_version,
    'contract_declined_at', player.contract_declined_at,
    'contract_terms_version', player.contract_terms_version,
    'contract_terms_sha256', encode(player.contract_terms_sha256, 'hex'),
    'contract_esign_consent', player.contract_esign_consent,
    'contract_disclosure_version', player.contract_disclosure_version,
    'contract_disclosure_sha256', encode(player.contract_disclosure_sha256, 'hex'),
    'contract_signed_user_agent', player.contract_signed_user_agent,
    'team_ids', to_jsonb(team_ids),
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
      WHERE signer.tenant_id = player.tenant_id AND signer.player_id = player.id AND signer.status = 'signed'
    )
  );
$$;
