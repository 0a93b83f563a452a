import test from 'ava';
import { Logger, runOnce } from 'graphile-worker';
import { sql } from 'slonik';
import { z } from 'zod';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/enqueue_contract_job: graphile-worker's add_job for one job, with its job_key rule, without
// the NOTIFY. Each test uses its own task name and keys, so the tests do not see each other's jobs.

const db = useDatabase();

const Job = z.object({
  id: z.bigint(),
  task: z.string(),
  payload: z.unknown(),
  key: z.string().nullable(),
  max_attempts: z.number(),
  attempts: z.number(),
  revision: z.number(),
  locked: z.boolean(),
  due_in_future: z.boolean(),
});

async function jobsOf(task: string) {
  return db().pool.any(sql.type(Job)`
    SELECT jobs.id, tasks.identifier AS task, jobs.payload, jobs.key, jobs.max_attempts, jobs.attempts, jobs.revision,
           jobs.locked_at IS NOT NULL AS locked, jobs.run_at > now() AS due_in_future
    FROM graphile_worker._private_jobs AS jobs JOIN graphile_worker._private_tasks AS tasks ON tasks.id = jobs.task_id
    WHERE tasks.identifier = ${task}
    ORDER BY jobs.id
  `);
}

async function enqueue(task: string, payload: object, key: string | null, runAt: string | null = null) {
  await db().pool.query(sql.unsafe`
    SELECT enqueue_contract_job(${task}, ${JSON.stringify(payload)}::json, ${key}, ${runAt}::timestamptz, 3::smallint)
  `);
}

test('adds a job for the named task with its payload, due now unless a time is given', async (t) => {
  await enqueue('test_enqueue_plain', { n: 1 }, null);
  await enqueue('test_enqueue_plain', { n: 2 }, null, new Date(Date.now() + 3_600_000).toISOString());

  t.like(await jobsOf('test_enqueue_plain'), [
    { payload: { n: 1 }, key: null, max_attempts: 3, attempts: 0, locked: false, due_in_future: false },
    { payload: { n: 2 }, key: null, max_attempts: 3, attempts: 0, locked: false, due_in_future: true },
  ]);
});

test('with a key, a pending job with that key is replaced: one job, the newer payload, a new revision', async (t) => {
  await enqueue('test_enqueue_keyed', { n: 1 }, 'test-enqueue-keyed');
  await enqueue('test_enqueue_keyed', { n: 2 }, 'test-enqueue-keyed');

  t.like(await jobsOf('test_enqueue_keyed'), [{ payload: { n: 2 }, key: 'test-enqueue-keyed', revision: 1 }]);
});

test('with a key whose job is running, that job keeps running without the key and a new job is added', async (t) => {
  await enqueue('test_enqueue_running', { n: 1 }, 'test-enqueue-running');
  await db().pool.query(sql.unsafe`
    UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'a worker' WHERE key = 'test-enqueue-running'
  `);

  await enqueue('test_enqueue_running', { n: 2 }, 'test-enqueue-running');

  t.like(await jobsOf('test_enqueue_running'), [
    { payload: { n: 1 }, key: null, locked: true },
    { payload: { n: 2 }, key: 'test-enqueue-running', locked: false, revision: 0 },
  ]);
});

test('graphile-worker runs the job it adds, with its payload', async (t) => {
  await enqueue('test_enqueue_run', { n: 7 }, 'test-enqueue-run');
  const ran: unknown[] = [];

  await runOnce({
    connectionString: db().url,
    taskList: { test_enqueue_run: async (payload) => void ran.push(payload) },
    logger: new Logger(() => () => {}),
  });

  t.deepEqual(ran, [{ n: 7 }]);
  t.deepEqual(await jobsOf('test_enqueue_run'), [], 'done and deleted');
});
