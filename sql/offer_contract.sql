-- OFFER as the previous release calls it (docs/OPERATING.md, "A breaking change"):
-- offer_contract_with_signers, answered in the outcome type that release reads, without the
-- signers. Dropped once no instance of that release runs.
-- PL/pgSQL, as that release's was: a call of it in flight while the migration replacing it commits
-- must find the language it started in (a change of language fails it with a syntax error).
CREATE OR REPLACE FUNCTION offer_contract(
  p_tenant_id integer,
  p_player_id integer,
  p_monthly_fee integer,
  p_target_team_id integer,
  p_force boolean,
  p_allowed_from text[],
  p_actor text,
  p_source text,
  p_idempotency idempotency_claim DEFAULT NULL
) RETURNS SETOF offer_contract_outcome
LANGUAGE plpgsql
AS $$
BEGIN
  RETURN QUERY
    SELECT (jsonb_populate_record(NULL::offer_contract_outcome, to_jsonb(outcome))).*
    FROM offer_contract_with_signers(
      p_tenant_id, p_player_id, p_monthly_fee, p_target_team_id, p_force, p_allowed_from, p_actor, p_source, p_idempotency
    ) AS outcome;
END;
$$;
