import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { sql } from 'slonik';
import { z } from 'zod';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { verifyClubChain } from '../src/contracts/audit-chain.ts';
import { renderReceipt } from '../src/receipts/render.ts';
import { loadReceiptSealer, readSeal } from '../src/receipts/seal.ts';
import { readReceiptContent, signRowsWithoutReceipt } from '../src/receipts/store.ts';
import { createReceipts } from '../src/receipts/receipts.ts';
import { contractMailTasks } from '../src/worker/contract-mail-tasks.ts';
import { createMailer } from '../src/mail/mailer.ts';
import { createClub, createPlayer, putContractInState } from './helpers/fixtures.ts';
import { type ContractWorker, startContractWorker } from '../src/worker/contract-worker.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { type TestSmtpServer, startSmtpServer } from './helpers/smtp-server.ts';
import { eventually } from './helpers/eventually.ts';

// docs/RECEIPTS.md: a completed contract's sealed PDF, end to end — signed through two guardians'
// links, attached to both confirmations by the worker (a real SMTP server), recorded in the audit
// chain, served through every signer's link, read back by independent implementations: pdfjs-dist
// for its text, poppler's pdfsig and OpenSSL's cms for its seal, and the CLI's `receipt verify`.

const run = promisify(execFile);
const BIN = path.resolve('bin/club-contracts.js');

let db: TestDatabase;
let smtp: TestSmtpServer;
let server: TestServer;
let worker: ContractWorker;
let dataDir: string;

test.before(async () => {
  db = await createTestDatabase();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-receipt-'));
  smtp = await startSmtpServer();
  server = await startTestServer(db.pool, {
    env: { SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '2000', DATA_DIR: dataDir, CONTRACT_CURRENCY: 'EUR', CONTRACT_VERSION: '2026-27' },
  });
  worker = await startContractWorker(server.config, {
    directDatabaseUrl: db.url,
    pool: db.pool,
    metrics: createMetrics(db.pool),
    logger: createLogger('silent'),
  });
});
test.after.always(async () => {
  await worker?.stop();
  await server?.close();
  await smtp?.close();
  await db?.drop();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

const TERMS = [
  '# Fees',
  '',
  'The fee is due on the **first day** of each month, *without exception*.',
  '',
  '- Cancel with 30 days notice.',
  '- Refunds: ~~never~~ pro rata.',
  '',
  '| Month | Fee |',
  '| --- | --- |',
  '| September | 150 |',
  '',
  '## Conduct',
  '',
  'Καλή σεζόν. Хорошего сезона.',
].join('\n');

/** A GET answered in bytes. */
async function getBytes(route: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const response = await fetch(`${server.baseUrl}${route}`);
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** pdfjs-dist's text of each page, one document at a time (its worker in this process mixes up two at once). */
let reading: Promise<unknown> = Promise.resolve();
function pdfText(pdf: Buffer): Promise<{ text: string; pages: number }> {
  const read = reading.then(() => readText(pdf));
  reading = read.catch(() => {});
  return read;
}

async function readText(pdf: Buffer): Promise<{ text: string; pages: number }> {
  const document = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, disableFontFace: true }).promise;
  const pages: string[] = [];
  for (let number = 1; number <= document.numPages; number += 1) {
    const content = await (await document.getPage(number)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await document.destroy();
  return { text: pages.join('\n').replace(/\s+/g, ' '), pages: document.numPages };
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Error & { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A club asking both guardians of a minor to sign, with Markdown terms; the offer's answer. */
async function offeredToTwoGuardians() {
  const slug = `receipts-${Math.random().toString(36).slice(2, 8)}`;
  await db.pool.query(sql.unsafe`INSERT INTO tenants (slug, name) VALUES (${slug}, 'Westside Hoops')`);
  const token = await server.adminToken(slug);
  const admin = (method: 'GET' | 'POST' | 'PATCH', route: string, body?: unknown) =>
    request(server.baseUrl, method, route, { token, body });
  await admin('PATCH', '/admin/club', { signing_policy: 'all_guardians', time_zone: 'Europe/Athens' });
  const team = await admin('POST', '/admin/teams', { name: 'U12 Gold' });
  await admin('POST', '/admin/contract-terms', { title: 'Season 2026–27', body: TERMS });
  const player = await admin('POST', '/admin/players', {
    name: 'Γιώργος Παπαδόπουλος',
    email: 'player@example.test',
    birth_date: '2014-05-02',
    team_ids: [team.body.id],
    guardians: [
      { name: 'Анна Иванова', email: 'anna@example.test' },
      { name: 'Dana Park', email: 'dana@example.test' },
    ],
  });
  const offer = await admin('POST', '/admin/contract/offer', { player_id: player.body.id, monthly_fee: 150 });
  const links: string[] = offer.body.signers.map(
    (signer: { contract_url: string }) => `/contract/${signer.contract_url.split('/').at(-1)}`,
  );
  return { slug, admin, playerId: player.body.id as number, links, teamId: team.body.id as number };
}

const sign = (link: string, name: string) =>
  request(server.baseUrl, 'POST', `${link}/sign`, {
    body: { signed_by: name, esign_consent: true },
    headers: { 'user-agent': 'ReceiptTest/1.0' },
  });

test('a completed contract’s sealed PDF: attached to every signer’s confirmation, recorded in the chain, served through every link, verified', async (t) => {
  const { slug, admin, playerId, links, teamId } = await offeredToTwoGuardians();
  const [anna, dana] = links as [string, string];
  t.is((await sign(anna, 'Анна Иванова')).status, 200);
  // Not signed yet: no receipt of either kind.
  t.is((await request(server.baseUrl, 'GET', `${anna}/receipt.pdf`)).body.error.code, 'contract_not_signed');
  t.is((await sign(dana, 'Dana Park')).status, 200);

  // Both guardians' confirmations carry the PDF, the same bytes, whose sha256 the `receipt` row records.
  const completions = () => smtp.received.filter((mail) => /is signed$/.test(mail.subject ?? ''));
  const mails = await eventually(
    'both confirmations',
    async () => completions(),
    (found) => found.length === 2,
    20_000,
  );
  t.deepEqual(mails.map((mail) => mail.envelope.to[0]).sort(), ['anna@example.test', 'dana@example.test']);
  const attached = mails.map((mail) => mail.attachments.find((file) => file.contentType === 'application/pdf')?.content);
  const pdf = attached[0] as Buffer;
  t.truthy(pdf);
  t.true(pdf.equals(attached[1] as Buffer));
  t.regex(mails[0]?.text ?? '', /The attached PDF is the signed contract’s receipt/);
  const rows = await db.pool.any(sql.type(
    z.object({ id: z.bigint(), event_type: z.string(), hash: z.string(), new_state: z.record(z.unknown()) }),
  )`
    SELECT id, event_type, encode(hash, 'hex') AS hash, new_state FROM contract_audit_log
    WHERE player_id = ${playerId} AND tenant_id = (SELECT id FROM tenants WHERE slug = ${slug}) ORDER BY id
  `);
  t.deepEqual(
    rows.map((row) => row.event_type),
    ['signature', 'sign', 'receipt'],
  );
  const [, signRow, receiptRow] = rows;
  t.is(receiptRow?.new_state.receipt_sha256, sha256(pdf));
  t.is(receiptRow?.new_state.receipt_of_audit_id, Number(signRow?.id));

  // Every signer's link answers the same bytes; the receipt page links to them.
  for (const link of links) {
    const reply = await getBytes(`${link}/receipt.pdf`);
    t.is(reply.status, 200);
    t.is(reply.type, 'application/pdf');
    t.true(reply.body.equals(pdf));
  }
  const page = await request(server.baseUrl, 'GET', `${anna}/receipt`, { headers: { accept: 'text/html' } });
  t.true(page.body.includes('href="receipt.pdf"'));

  // Every field, in its text as a PDF reader extracts it; the Greek and Cyrillic names print as such.
  const { text } = await pdfText(pdf);
  const terms = await db.pool.oneFirst(sql.type(z.object({ sha: z.string() }))`
    SELECT encode(sha256, 'hex') AS sha FROM contract_terms WHERE tenant_id = (SELECT id FROM tenants WHERE slug = ${slug})
  `);
  for (const field of [
    'Westside Hoops',
    'Signed contract for Γιώργος Παπαδόπουλος',
    'U12 Gold',
    '€150 per month (EUR)',
    '2026-27',
    'Season 2026–27, version 1',
    terms,
    'Анна Иванова (Parent or guardian)',
    'Dana Park (Parent or guardian)',
    'ReceiptTest/1.0',
    '127.0.0.1',
    'given',
    'Fees',
    'first day',
    'without exception',
    '• Cancel with 30 days notice.',
    'September',
    'Conduct',
    'Καλή σεζόν. Хорошего сезона.',
    'How to verify',
    ...rows.slice(0, 2).map((row) => row.hash),
  ]) {
    t.true(text.includes(field), field);
  }
  t.false(text.includes('<U+'), 'every character of these names is in the font');
  t.false(text.includes(links[0]?.split('/').at(-1) ?? '?'), 'no link token in the PDF');

  // Deterministic: made again from the database, the same bytes.
  const of = {
    tenantId: await db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`SELECT id FROM tenants WHERE slug = ${slug}`),
    playerId,
    signAuditId: signRow?.id ?? 0n,
  };
  const content = await readReceiptContent(db.pool, of, 'EUR');
  const sealer = loadReceiptSealer(server.config.receipts);
  t.true((await renderReceipt(content ?? t.fail(), sealer, server.config.receipts.deploymentName)).equals(pdf));

  // The seal, checked by two independent readers: poppler's pdfsig and OpenSSL's CMS verification.
  const file = path.join(dataDir, 'receipt.pdf');
  await fs.writeFile(file, pdf);
  const { stdout: pdfsig } = await run('pdfsig', [file]);
  t.regex(pdfsig, /Signature Validation: Signature is Valid/);
  t.regex(pdfsig, /Total document signed/);
  t.regex(pdfsig, /ETSI\.CAdES\.detached/);
  const { cms, signedBytes } = readSeal(pdf);
  await fs.writeFile(path.join(dataDir, 'seal.der'), cms);
  await fs.writeFile(path.join(dataDir, 'signed.bin'), signedBytes);
  await fs.writeFile(path.join(dataDir, 'cert.pem'), sealer.certificate.toString());
  const openssl = await run('openssl', [
    ...['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(dataDir, 'seal.der')],
    ...['-content', path.join(dataDir, 'signed.bin'), '-CAfile', path.join(dataDir, 'cert.pem'), '-purpose', 'any', '-out', '/dev/null'],
  ]);
  t.regex(openssl.stderr, /Verification successful/);

  // The CLI: valid, naming the contract; one flipped byte anywhere is not.
  const valid = await cli('receipt', 'verify', file);
  t.is(valid.code, 0, valid.stderr);
  t.regex(valid.stdout, /^valid: the receipt of Γιώργος Παπαδόπουλος's contract/m);
  t.regex(valid.stdout, /signed by Анна Иванова \(guardian\)/);
  const flipped = Buffer.from(pdf);
  const at = Math.floor(flipped.length / 3);
  flipped[at] = (flipped[at] ?? 0) ^ 0x01;
  await fs.writeFile(file, flipped);
  const broken = await cli('receipt', 'verify', file);
  t.is(broken.code, 1);
  t.regex(broken.stdout, /^not valid \(seal\)/);
  t.is((await cli('receipt', 'verify')).code, 2);
  t.true((await verifyClubChain(db.pool, { id: of.tenantId, slug })).intact);

  // A tier change replaces the signed contract: its links still answer the same PDF.
  const u14 = await admin('POST', '/admin/teams', { name: 'U14 Silver' });
  t.is((await admin('POST', '/admin/contract/offer', { player_id: playerId, monthly_fee: 175, target_team_id: u14.body.id })).status, 200);
  t.not(u14.body.id, teamId);
  const replaced = await getBytes(`${dana}/receipt.pdf`);
  t.is(replaced.status, 200);
  t.true(replaced.body.equals(pdf));
});

test('a link that opens no signed contract: 404, a page for browsers', async (t) => {
  const unknown = `/contract/${'x'.repeat(43)}/receipt.pdf`;
  t.is((await request(server.baseUrl, 'GET', unknown)).body.error.code, 'contract_not_found');
  const page = await request(server.baseUrl, 'GET', unknown, { headers: { accept: 'text/html' } });
  t.is(page.status, 404);
  t.regex(page.headers.get('content-type') ?? '', /^text\/html/);
});

test('100,000 characters of terms paginate, with every page numbered, in a PDF that fits any mailbox', async (t) => {
  let body = '';
  for (let section = 1; body.length < 100_000; section += 1) {
    body += `## Section ${section}\n\nThe member pays the *monthly fee* on the **first day** of the month. `.padEnd(900, 'Lorem ipsum. ');
    body += '\n\n- an item of the list\n- another item\n\n';
  }
  body = body.slice(0, 100_000);
  const at = new Date('2026-09-01T18:30:00Z');
  const content = {
    clubName: 'Westside Hoops',
    clubSlug: 'westside',
    timeZone: 'UTC',
    playerName: '王小明',
    teamNames: ['U12 Gold'],
    monthlyFee: 150,
    currency: 'EUR',
    contractVersion: 'v1',
    signedAt: at,
    language: 'en',
    terms: { title: 'Long terms', version: 1, sha256: sha256(Buffer.from(body)), body },
    signatures: [
      {
        ...{ role: 'player' as const, name: '王小明', signedBy: '王小明', signedAt: at, ip: null, userAgent: null },
        ...{ esignConsent: null, disclosureVersion: null, disclosureSha256: null, termsVersion: null, termsSha256: null },
      },
    ],
    trail: [
      {
        id: '1',
        ts: '2026-09-01T18:30:00.000000Z',
        eventType: 'sign',
        actor: 'family',
        source: 'family_link',
        hash: 'a'.repeat(64),
        previousHash: null,
      },
    ],
  };
  const pdf = await renderReceipt(content, loadReceiptSealer(server.config.receipts), 'localhost');
  const { text, pages } = await pdfText(pdf);
  t.true(pages >= 20, `${pages} pages`);
  t.true(text.includes(`Page ${pages} of ${pages}`));
  t.true(text.includes('Section 100'));
  // A script the font does not cover prints as code points, not as empty boxes.
  t.true(text.includes('<U+738B><U+5C0F><U+660E>'));
  t.true(pdf.length < 1_000_000, `${pdf.length} bytes`);
  t.log(`${pages} pages, ${pdf.length} bytes`);
});

test('the PDF speaks the language of the signature that completed the contract (docs/LANGUAGES.md)', async (t) => {
  const at = new Date('2026-09-01T18:30:00Z');
  const body = 'Las cuotas vencen el día 1.';
  const pdf = await renderReceipt(
    {
      clubName: 'Westside Hoops',
      clubSlug: 'westside',
      timeZone: 'Europe/Madrid',
      playerName: 'Lucía Ortiz',
      teamNames: ['U12 Oro'],
      monthlyFee: 150,
      currency: 'EUR',
      contractVersion: 'v1',
      signedAt: at,
      language: 'es',
      terms: { title: 'Condiciones', version: 1, sha256: sha256(Buffer.from(body)), body },
      signatures: [
        {
          ...{ role: 'guardian' as const, name: 'Ana Ortiz', signedBy: 'Ana Ortiz', signedAt: at, ip: null, userAgent: null },
          ...{ esignConsent: true, disclosureVersion: null, disclosureSha256: null, termsVersion: null, termsSha256: null },
        },
      ],
      trail: [],
    },
    loadReceiptSealer(server.config.receipts),
    'localhost',
  );
  const { text } = await pdfText(pdf);

  for (const words of ['Contrato firmado de Lucía Ortiz', 'Cuota mensual', '150 € al mes', 'Madre, padre o tutor', 'Página 1 de 1']) {
    t.true(text.includes(words), words);
  }
  t.false(text.includes('Monthly fee'));
});

test('contracts completed before receipts get theirs from the backfill job, a batch at a time in the audit log’s order', async (t) => {
  // A database of its own with no worker: its contracts' confirmations, which would make receipts, never run.
  const older = await createTestDatabase();
  t.teardown(() => older.drop());
  const club = await createClub(older.pool);
  const signed = [await createPlayer(older.pool, club), await createPlayer(older.pool, club)];
  for (const playerId of signed) await putContractInState(older.pool, club, playerId, 'signed');
  const [first] = await signRowsWithoutReceipt(older.pool, { tenantId: 0, auditId: 0n }, 1);
  t.like(first, { tenantId: club.id, playerId: signed[0] });
  t.like(await signRowsWithoutReceipt(older.pool, { tenantId: club.id, auditId: first?.signAuditId ?? 0n }, 1), [{ playerId: signed[1] }]);
  const queued: unknown[] = [];
  const { make_contract_receipts: backfill } = contractMailTasks({
    pool: older.pool,
    mailer: createMailer(server.config.mail, createLogger('silent')),
    metrics: createMetrics(older.pool),
    logger: createLogger('silent'),
    contractBaseUrl: server.config.contractBaseUrl,
    currency: server.config.currency,
    reminders: server.config.reminders,
    familyMail: server.config.familyMail,
    offerValidDays: server.config.offerValidDays,
    receipts: createReceipts({ pool: older.pool, config: server.config.receipts, currency: server.config.currency }),
    stopping: new AbortController().signal,
  });

  await backfill?.({ after_tenant_id: 0, after_audit_id: '0' }, { addJob: async (...job: unknown[]) => queued.push(job) } as never);

  const made = await older.pool.anyFirst(sql.type(z.object({ player_id: z.number() }))`
    SELECT player_id FROM contract_receipts WHERE tenant_id = ${club.id} ORDER BY player_id
  `);
  t.deepEqual(
    made,
    [...signed].sort((a, b) => a - b),
  );
  t.deepEqual(await signRowsWithoutReceipt(older.pool, { tenantId: 0, auditId: 0n }, 10), []);
  t.deepEqual(queued, [], 'a batch short of full is the last: no next job');
});
