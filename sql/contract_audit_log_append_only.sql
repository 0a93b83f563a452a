-- Keeps contract_audit_log append-only (docs/PRODUCT.md, "Data"): no UPDATE, no direct DELETE, no TRUNCATE.
-- A row may leave only with its player: the ON DELETE CASCADE from players runs after the player
-- row is gone, so a DELETE whose player still exists is a direct one and is refused.
CREATE OR REPLACE FUNCTION contract_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (
      SELECT 1 FROM players WHERE players.tenant_id = OLD.tenant_id AND players.id = OLD.player_id
    ) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'contract_audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'AUDRO',
          HINT = 'Audit rows are removed only by deleting their player.';
END;
$$;
