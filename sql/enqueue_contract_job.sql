-- Kept for the previous release (docs/OPERATING.md, "Deploying"): its queue functions in flight
-- while the migrations commit call it, and queue_contract_message still does; the worker still runs
-- the send_contract_message jobs it adds. E-mail is now queued in the outbox instead
-- (sql/queue_signer_message.sql; docs/DESIGN.md, "E-mail queue"). Dropped once no instance of that
-- release runs.
--
-- Adds one job for the contract worker (src/worker/) in the caller's transaction: what
-- graphile_worker.add_job does for one job, with the same job_key rule (a pending job with the key is
-- replaced; one already running keeps running, loses its key, and a new job is added), without its
-- two costs on the transition's path. add_job (graphile-worker 0.17.3, pinned with its schema by
-- migration 0014) took about 1 ms of database CPU per call, 25 times this insert; and it sends a
-- NOTIFY, and PostgreSQL serialises the commits of all notifying transactions of the cluster, so
-- every offer waited for every other offer's commit flush. The worker polls instead
-- (src/worker/start-worker.ts), so a job runs within the poll interval.
CREATE OR REPLACE FUNCTION enqueue_contract_job(
  p_task text,
  p_payload json,
  p_key text DEFAULT NULL,
  p_run_at timestamptz DEFAULT NULL,
  p_max_attempts smallint DEFAULT 8
) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  task_id integer;
BEGIN
  SELECT tasks.id INTO task_id FROM graphile_worker._private_tasks AS tasks WHERE tasks.identifier = p_task;
  IF NOT FOUND THEN
    INSERT INTO graphile_worker._private_tasks AS tasks (identifier) VALUES (p_task)
    ON CONFLICT (identifier) DO UPDATE SET identifier = EXCLUDED.identifier
    RETURNING tasks.id INTO task_id;
  END IF;
  -- Until the job is in: a job the worker locks between the two statements keeps its key, and the
  -- insert, which replaces only a pending job, then adds nothing; the next round clears that key.
  LOOP
    IF p_key IS NOT NULL THEN
      UPDATE graphile_worker._private_jobs AS jobs SET key = NULL, attempts = jobs.max_attempts, updated_at = now()
      WHERE jobs.key = p_key AND jobs.is_available IS NOT TRUE;
    END IF;
    INSERT INTO graphile_worker._private_jobs AS jobs (task_id, payload, run_at, max_attempts, key)
    VALUES (task_id, p_payload, coalesce(p_run_at, now()), p_max_attempts, p_key)
    ON CONFLICT (key) DO UPDATE SET
      payload = EXCLUDED.payload,
      run_at = EXCLUDED.run_at,
      max_attempts = EXCLUDED.max_attempts,
      revision = jobs.revision + 1,
      attempts = 0,
      last_error = NULL,
      updated_at = now()
    WHERE jobs.locked_at IS NULL;
    EXIT WHEN FOUND;
  END LOOP;
END;
$$;
