-- A contract's signers as the offer's answer and the family's JSON list them: in order, each with
-- its id, name, e-mail, role, link token and status.
CREATE OR REPLACE FUNCTION contract_signers_of(p_tenant_id integer, p_player_id integer) RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object(
    'signer_id', signer.id,
    'name', signer.name,
    'email', signer.email,
    'role', signer.role,
    'token', signer.token,
    'status', signer.status,
    'signed_at', signer.signed_at
  ) ORDER BY signer.position), '[]'::jsonb)
  FROM contract_signers AS signer
  WHERE signer.tenant_id = p_tenant_id AND signer.player_id = p_player_id;
$$;
