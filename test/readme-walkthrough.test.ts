import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { startServiceProcess } from './helpers/service-process.ts';
import { ZSH } from './helpers/shells.ts';

// README.md, "An offer, with curl": every command block of the walkthrough, exactly as written and
// in order, in bash and in zsh (where macOS readers paste it), against `npm start` on port 3000 (the
// port the README names), with nothing Debian does not ship. Then the rows it stored are checked,
// not only what it printed.

const run = promisify(execFile);
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function walkthrough(): string[] {
  const start = README.indexOf('## An offer, with curl');
  const end = README.indexOf('\n## ', start + 1);
  return [...README.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

test('the walkthrough has its command blocks, each using only curl, npm, node and the shell', (t) => {
  const blocks = walkthrough();
  t.true(blocks.length >= 4);
  for (const block of blocks) t.notRegex(block, /\b(uuidgen|jq)\b|(^|\s)https? (GET|POST)/m, 'a tool Debian does not ship by default');
  t.true(existsSync('/usr/bin/curl') || existsSync('/bin/curl'), 'curl is installed');
});

for (const shell of ['bash', ZSH]) {
  test.serial(`every command block of the walkthrough runs as written in ${path.basename(shell)} and stores what it says`, async (t) => {
    if (shell === ZSH && !existsSync(ZSH)) {
      t.fail(`zsh is not at ${ZSH}: run scripts/install-zsh.sh (npm test does as root) or set ZSH_PATH`);
      return;
    }
    await walkthroughIn(shell, t);
  });
}

async function walkthroughIn(shell: string, t: ExecutionContext): Promise<void> {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-walkthrough-'));
  t.teardown(() => fs.rm(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: '3000', CONTRACT_BASE_URL: 'http://localhost:3000/contract' };
  const service = await startServiceProcess(env);
  t.teardown(() => service.child.kill('SIGKILL'));
  // The README's commands run from the checkout, as a reader would (npm run cli); the files they
  // write there are removed afterwards.
  t.teardown(() => Promise.all(['offered.csv', 'roster.csv', 'unsigned.csv'].map((file) => fs.rm(file, { force: true }))));
  const script = walkthrough().join('\n');
  const { stdout } = await run(shell, ['-c', script], {
    cwd: path.resolve('.'),
    env: { ...process.env, ...env },
    timeout: 120_000,
    maxBuffer: 10 * 1024 * 1024,
  });

  t.regex(stdout, /"new_status":"offered"/);
  t.regex(stdout, /offer_exists/);
  t.regex(stdout, /"skipped":\[\{"player_id":1,"reason":"reminded_recently"\}\]/, 'the remind example answers as shown');
  t.regex(stdout, /"title":"Season 2026–27"/, 'the family sees the terms');
  t.regex(stdout, /"club_name":"Demo Club"/);
  t.regex(stdout, /"status":"signed"/);
  t.regex(stdout, /"status":"offered".*"signer":\{"name":"Ana Ortiz","role":"guardian","status":"signed"\}/, 'the first guardian waits');
  const players = await db.pool.any(sql.type(
    z.object({ id: z.number(), email: z.string(), status: z.string(), teams: z.array(z.number()) }),
  )`
    SELECT id, email, contract_status AS status, ARRAY(SELECT team_id FROM player_teams WHERE player_id = players.id ORDER BY 1) AS teams
    FROM players WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'demo') ORDER BY id
  `);
  t.deepEqual(
    players,
    [
      { id: 1, email: 'park@example.com', status: 'offered', teams: [2] },
      { id: 2, email: 'ortiz@example.com', status: 'signed', teams: [1] },
      { id: 3, email: 'levi@example.com', status: 'offered', teams: [3] },
      { id: 4, email: 'rivera@example.com', status: 'offered', teams: [3] },
    ],
    'signed, then moved to U14 by the retried tier change; the minor signed by both guardians; the roster imported and offered',
  );
  const events = await db.pool.anyFirst(sql.type(z.object({ event: z.string() }))`
    SELECT event_type AS event FROM contract_audit_log WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'demo')
      -- Written by the worker as it sends the confirmations, whenever that is (docs/RECEIPTS.md).
      AND event_type <> 'receipt'
    ORDER BY id
  `);
  t.deepEqual(
    events,
    ['sign', 'tier_change', 'signature', 'sign'],
    'the retry with the same Idempotency-Key changed nothing; each guardian’s signature is in the log',
  );
  const teams = await db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`
    SELECT name FROM teams WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'demo') ORDER BY id
  `);
  t.deepEqual(teams, ['U12 Gold', 'U14 Gold', 'U10 Blue']);
  t.regex(stdout, /"created":2,"updated":0,"unchanged":0,"teams_created":\["U10 Blue"\]/);
  t.regex(stdout, /"summary":\{"offered":2,"refused":0\}/);
  // The worker finds the offer's job by polling: the mail is written within its poll interval.
  await eventually(
    'the offer written as an .eml file',
    () => fs.readdir(path.join(dataDir, 'mail')).catch(() => []),
    (files) => files.some((file) => file.endsWith('.eml')),
  );
  service.child.kill('SIGTERM');
  t.like(await service.exited, { code: 0 });
}
