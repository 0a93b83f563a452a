-- Kept for the previous release, whose functions call contract_snapshot by name: a function keeps its
-- language (docs/OPERATING.md, "A breaking change"). It answers what sql/snapshot_contract.sql does; dropped
-- once no instance of that release runs.
CREATE OR REPLACE FUNCTION contract_snapshot(player players, team_ids integer[]) RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT snapshot_contract(player, team_ids);
$$;
