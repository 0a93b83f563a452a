-- contract_snapshot, as an SQL function: what the previous release's functions call (docs/OPERATING.md,
-- "A breaking change": a function keeps its language), and what queries that read it call. It
-- answers what sql/snapshot_contract.sql does.
CREATE OR REPLACE FUNCTION contract_snapshot(player players, team_ids integer[]) RETURNS jsonb
LANGUAGE sql
STABLE
AS $$
  SELECT snapshot_contract(player, team_ids);
$$;
