-- docs/DESIGN.md, "E-mail queue": the database time of queuing an offer's e-mail, and of a whole
-- forced re-offer, on a database migrated by this commit or by an earlier one, with psql:
--   psql "$DATABASE_URL" -f bench/e-mail-queue.sql
-- It needs a club (tenant 1) whose players 1 to 10,000 exist and hold an offer, e.g.
--   INSERT INTO tenants (slug, name) VALUES ('bench', 'Bench Club');
--   INSERT INTO players (tenant_id, name, email)
--     SELECT 1, 'Player ' || n, 'family' || n || '@example.test' FROM generate_series(1, 10000) AS n;
--   SELECT count(*) FROM (SELECT offer_contract_with_signers(1, id, 150, NULL, false,
--     '{none,offered,declined}', 'bench@example.test', 'bench') FROM players) AS offered;
-- The calls run in one transaction, rolled back, so no commit is timed: run it a few times and read
-- the minimum and the median. The queue is drained first, as a worker keeping up leaves it.
BEGIN;
UPDATE contract_messages SET status = 'sent', sent_at = now() WHERE status = 'queued';
DELETE FROM graphile_worker._private_jobs;
DO $$
DECLARE
  started timestamptz;
  pid integer;
BEGIN
  started := clock_timestamp();
  FOR i IN 1..3000 LOOP
    pid := 1 + (random() * 9999)::integer;
    PERFORM queue_signer_message(1, pid, 'offer', 'bench-token-' || pid, NULL, NULL, 'family@example.test');
  END LOOP;
  RAISE NOTICE 'queue_signer_message: % us per call', round(extract(epoch FROM clock_timestamp() - started) * 1e6 / 3000, 1);
  started := clock_timestamp();
  FOR i IN 1..1500 LOOP
    pid := 1 + (random() * 9999)::integer;
    PERFORM * FROM offer_contract_with_signers(1, pid, 200, NULL, true, '{none,offered,declined}', 'bench@example.test', 'bench');
  END LOOP;
  RAISE NOTICE 'offer_contract_with_signers: % us per call', round(extract(epoch FROM clock_timestamp() - started) * 1e6 / 1500, 1);
END $$;
ROLLBACK;
