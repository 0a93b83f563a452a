-- contract_signers_of, as an SQL function: what the previous release's functions call (docs/OPERATING.md,
-- "A breaking change": a function keeps its language), and what queries that read it call. It
-- answers what sql/list_contract_signers.sql does.
CREATE OR REPLACE FUNCTION contract_signers_of(p_player players) RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT list_contract_signers(p_player);
$$;
