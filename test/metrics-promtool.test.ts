import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { parseConfig } from '../src/config.ts';
import { loadOrCreateLocalSigningKey } from '../src/identity/local-signing-key.ts';
import { mintAdminToken } from '../src/identity/mint-admin-token.ts';
import { createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { createClub, createPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { PROMTOOL } from './helpers/promtool.ts';
import { startServiceProcess } from './helpers/service-process.ts';

// README.md, "Running it in production": /metrics is Prometheus text that Prometheus's own linter
// accepts, checked on `npm start` as the operator runs it (worker included) once every kind of
// metric has samples.

test('/metrics passes promtool check metrics once requests, transitions and e-mail have samples', async (t) => {
  if (!existsSync(PROMTOOL)) {
    t.fail(`promtool is not at ${PROMTOOL}: run scripts/install-promtool.sh (npm test does as root) or set PROMTOOL_PATH.`);
    return;
  }
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-metrics-'));
  t.teardown(() => fs.rm(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: db.url, DATA_DIR: dataDir };
  const { identity } = parseConfig(env);
  if (identity.mode !== 'local') throw new Error('the test runs in local identity mode');
  const key = await loadOrCreateLocalSigningKey(identity.keyFile);
  const service = await startServiceProcess(env);
  t.teardown(async () => {
    service.child.kill('SIGTERM');
    await service.exited;
  });

  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const token = await mintAdminToken(identity, key, { tenantSlug: club.slug, email: 'ops@example.test', ttlSeconds: 600 });
  const offer = await request(service.baseUrl, 'POST', '/admin/contract/offer', {
    token,
    body: { player_id: playerId, monthly_fee: 150 },
  });
  t.is(offer.status, 200);
  t.is((await request(service.baseUrl, 'GET', `/contract/${offer.body.contract_token}`)).status, 200);
  t.is((await request(service.baseUrl, 'GET', '/no-such-route')).status, 404);
  t.is((await request(service.baseUrl, 'GET', '/admin/contracts?status=nope', { token })).status, 422);
  const metrics = await eventually(
    'the offer e-mail counted as sent',
    async () => (await request(service.baseUrl, 'GET', '/metrics')).body as string,
    (text) => /^mail_messages_total\{kind="offer",outcome="sent"\} 1$/m.test(text),
  );

  const checked = await promtoolCheck(metrics);
  t.is(checked.code, 0, checked.output);
  t.is(checked.output, '', 'no lint finding either');
  for (const name of ['http_request_duration_seconds_bucket', 'contract_transitions_total', 'mail_delivery_seconds_count']) {
    t.regex(metrics, new RegExp(`^${name}[{ ]`, 'm'), `${name} has samples`);
  }
  // The per-type gauges stay; only their counter-named sums went.
  t.regex(metrics, /^# TYPE nodejs_active_handles gauge$/m);
  t.notRegex(metrics, /^nodejs_active_(handles|requests|resources)_total/m);
});

function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += String(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
