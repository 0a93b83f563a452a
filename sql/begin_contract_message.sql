-- The previous release's worker's first step with a queued message: begin_signer_message without
-- the signer's name, the signers awaited, the terms and the voided contract. Kept while that
-- release may still run during a rolling deploy (docs/OPERATING.md, "Deploying").
-- PL/pgSQL, as that release's was: a call of it in flight while the migration replacing it commits
-- must find the language it started in (a change of language fails it with a syntax error).
CREATE OR REPLACE FUNCTION begin_contract_message(p_tenant_id integer, p_message_id bigint) RETURNS TABLE (
  kind text,
  recipient text,
  message_id uuid,
  club_name text,
  club_contact_email text,
  club_time_zone text,
  player_name text,
  team_names text[],
  monthly_fee integer,
  contract_token text,
  contract_offered_at timestamptz,
  replaces_earlier_offer boolean,
  outcome text,
  signed_by text,
  answered_at timestamptz,
  contract_version text
)
LANGUAGE plpgsql
AS $$
BEGIN
  RETURN QUERY
    SELECT
      begun.kind, begun.recipient, begun.message_id, begun.club_name, begun.club_contact_email, begun.club_time_zone,
      begun.player_name, begun.team_names, begun.monthly_fee, begun.contract_token, begun.contract_offered_at,
      begun.replaces_earlier_offer, begun.outcome, begun.signed_by, begun.answered_at, begun.contract_version
    FROM begin_signer_message(p_tenant_id, p_message_id) AS begun;
END;
$$;
