-- Kept for the previous release, whose functions call contract_signers_of by name: a function keeps its
-- language (docs/OPERATING.md, "A breaking change"). It answers what sql/list_contract_signers.sql does; dropped
-- once no instance of that release runs.
CREATE OR REPLACE FUNCTION contract_signers_of(p_player players) RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT list_contract_signers(p_player);
$$;
