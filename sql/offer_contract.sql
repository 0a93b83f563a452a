-- OFFER as the previous release calls it (docs/OPERATING.md, "A breaking change"):
-- offer_contract_with_signers, answered in the outcome type that release reads, without the
-- signers. Dropped once no instance of that release runs.
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
LANGUAGE sql
AS $$
  SELECT (jsonb_populate_record(NULL::offer_contract_outcome, to_jsonb(outcome))).*
  FROM offer_contract_with_signers(
    p_tenant_id, p_player_id, p_monthly_fee, p_target_team_id, p_force, p_allowed_from, p_actor, p_source, p_idempotency
  ) AS outcome;
$$;
