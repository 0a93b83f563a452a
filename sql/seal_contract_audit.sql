-- Seals the audit rows written since the last seal into one checkpoint per club (docs/DESIGN.md,
-- "Tamper evidence"), off the transitions' path: the worker calls it every AUDIT_SEAL_INTERVAL_SECONDS.
-- A seal covers the rows whose writing transaction is in [the previous seal's to_xact, the oldest
-- transaction still running): every such transaction has ended, so the range is complete and no row
-- can join it later, while rows of transactions still running wait for the next seal. A club's
-- checkpoint lists the sealed rows' ids and hashes in id order, and its hash is sha256(its previous
-- checkpoint's hash ‖ those hashes). Rows removed with their player since they were written are
-- sealed by the hash they had; a club deleted meanwhile gets no checkpoint. One sealer runs at a
-- time: another call meanwhile returns 0 at once. Returns the number of checkpoints written.
CREATE OR REPLACE FUNCTION seal_contract_audit() RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  since xid8;
  horizon xid8;
  written integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('seal_contract_audit')) THEN
    RETURN 0;
  END IF;
  SELECT seals.to_xact INTO since FROM contract_audit_seals AS seals ORDER BY seals.id DESC LIMIT 1;
  horizon := pg_snapshot_xmin(pg_current_snapshot());

  WITH sealed AS (
    SELECT audit.tenant_id, audit.id, audit.hash FROM contract_audit_log AS audit
    WHERE audit.xact_id IS NOT NULL AND audit.xact_id >= coalesce(since, '0') AND audit.xact_id < horizon
    UNION ALL
    SELECT removed.tenant_id, removed.id, removed.hash FROM contract_audit_log_removed AS removed
    WHERE removed.xact_id IS NOT NULL AND removed.xact_id >= coalesce(since, '0') AND removed.xact_id < horizon
  ),
  -- No seal at all when nothing new was written: the next one takes the range from the same start.
  seal AS (
    INSERT INTO contract_audit_seals (from_xact, to_xact)
    SELECT since, horizon WHERE EXISTS (SELECT 1 FROM sealed)
    RETURNING contract_audit_seals.id
  ),
  fresh AS (
    SELECT
      sealed.tenant_id,
      array_agg(sealed.id ORDER BY sealed.id) AS audit_ids,
      string_agg(sealed.hash, ''::bytea ORDER BY sealed.id) AS hashes
    FROM sealed
    GROUP BY sealed.tenant_id
  )
  INSERT INTO contract_audit_checkpoints (tenant_id, seal_id, audit_ids, audit_hashes, previous_hash, hash)
  SELECT
    fresh.tenant_id, seal.id, fresh.audit_ids, fresh.hashes, last.hash,
    sha256(coalesce(last.hash, ''::bytea) || fresh.hashes)
  FROM fresh
  CROSS JOIN seal
  LEFT JOIN LATERAL (
    SELECT checkpoint.hash FROM contract_audit_checkpoints AS checkpoint
    WHERE checkpoint.tenant_id = fresh.tenant_id
    ORDER BY checkpoint.seal_id DESC
    LIMIT 1
  ) AS last ON true
  -- A club deleted meanwhile took its rows with it, and needs no checkpoint.
  WHERE EXISTS (SELECT 1 FROM tenants WHERE tenants.id = fresh.tenant_id FOR KEY SHARE);
  GET DIAGNOSTICS written = ROW_COUNT;
  RETURN written;
END;
$$;
