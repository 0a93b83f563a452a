import { randomBytes } from 'node:crypto';
import test from 'ava';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { type ContractWorker, startContractWorker } from '../src/worker/contract-worker.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { type Club, createClub, createTeam, readAuditLog } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { type ReceivedMail, type TestSmtpServer, startSmtpServer } from './helpers/smtp-server.ts';

// docs/PRODUCT.md, "Who signs", through HTTP and a real SMTP server: the club lists a minor's
// guardians, the offer fixes who signs, each signer gets a link and an e-mail of their own, and
// the machine decides when the contract is complete.

let db: TestDatabase;
let smtp: TestSmtpServer;
let server: TestServer;
let worker: ContractWorker;

test.before(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpServer();
  server = await startTestServer(db.pool, {
    env: { SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '1000', MAIL_FROM: 'Club Contracts <no-reply@example.test>' },
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
});

const address = (name: string) => `${name}+${randomBytes(4).toString('hex')}@example.test`;
const mailsTo = (email: string): ReceivedMail[] => smtp.received.filter((mail) => mail.envelope.to.includes(email));
/** The `count`th mail to `email`, once it arrived (subjects shown while waiting). */
const mailTo = async (email: string, count: number): Promise<ReceivedMail> => {
  await eventually(
    `mail ${count} to ${email}`,
    () => mailsTo(email).map((mail) => mail.subject),
    (subjects) => subjects.length >= count,
  );
  return mailsTo(email)[count - 1] as ReceivedMail;
};

interface Family {
  readonly club: Club;
  readonly admin: string;
  readonly playerId: number;
  readonly team: number;
  readonly dana: string;
  readonly sam: string;
}

/** A club with `policy`, and a minor whose two guardians the club listed through the API. */
async function minorWithTwoGuardians(policy: 'one_guardian' | 'all_guardians', birthDate: string | null = null): Promise<Family> {
  const club = await createClub(db.pool, 'Westside Hoops');
  const team = await createTeam(db.pool, club, 'U12 Gold');
  const admin = await server.adminToken(club.slug);
  const [dana, sam] = [address('dana'), address('sam')];
  t_ok(await request(server.baseUrl, 'PATCH', '/admin/club', { token: admin, body: { signing_policy: policy } }));
  const created = await request(server.baseUrl, 'POST', '/admin/players', {
    token: admin,
    body: {
      name: 'Jacelyn Park',
      email: address('jacelyn'),
      team_ids: [team],
      birth_date: birthDate,
      guardians: [
        { name: 'Dana Park', email: dana },
        { name: 'Sam Park', email: sam },
      ],
    },
  });
  t_ok(created);
  return { club, admin, playerId: created.body.id, team, dana, sam };
}

function t_ok(reply: { status: number; body: unknown }): void {
  if (reply.status !== 200 && reply.status !== 201) throw new Error(`setup answered ${reply.status}: ${JSON.stringify(reply.body)}`);
}

let mailsBefore = new Map<string, number>();

/** Offers, and waits for each guardian's offer e-mail to arrive, as a family answers after reading it. */
async function offer(family: Family, body: Record<string, unknown> = {}, query = '') {
  mailsBefore = new Map([family.dana, family.sam].map((email) => [email, mailsTo(email).length]));
  const answer = await request(server.baseUrl, 'POST', `/admin/contract/offer${query}`, {
    token: family.admin,
    body: { player_id: family.playerId, monthly_fee: 150, ...body },
  });
  for (const signer of answer.body.signers ?? []) {
    if (signer.role === 'guardian') await mailTo(signer.email, (mailsBefore.get(signer.email) ?? 0) + 1);
  }
  return answer;
}
const tokenOf = (url: string) => url.split('/').at(-1) ?? '';
const sign = (token: string, name: string) =>
  request(server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: name, esign_consent: true } });

test('the offer fixes both guardians as signers, each with a link and an e-mail holding only that link', async (t) => {
  const family = await minorWithTwoGuardians('all_guardians');

  const answer = await offer(family);

  t.is(answer.status, 200);
  const [dana, sam] = answer.body.signers;
  t.like(dana, { name: 'Dana Park', email: family.dana, role: 'guardian', status: 'pending' });
  t.like(sam, { name: 'Sam Park', email: family.sam, role: 'guardian', status: 'pending' });
  t.is(dana.contract_url, answer.body.contract_url, 'the first signer holds the offer’s link');
  t.not(sam.contract_url, dana.contract_url);
  const [toDana, toSam] = [await mailTo(family.dana, 1), await mailTo(family.sam, 1)];
  t.true(toDana.text?.includes(dana.contract_url));
  t.false(toDana.text?.includes(sam.contract_url));
  t.true(toSam.text?.includes(sam.contract_url));
  t.false(toSam.text?.includes(dana.contract_url));
});

test('under all_guardians: the first signature is recorded and waits; a second through that link is 409 already_signed_by_you; the last completes it', async (t) => {
  const family = await minorWithTwoGuardians('all_guardians');
  const [dana, sam] = (await offer(family)).body.signers.map((signer: { contract_url: string }) => tokenOf(signer.contract_url));

  const first = await sign(dana, 'Dana Park');

  t.is(first.status, 200);
  t.like(first.body, { status: 'offered', signer: { name: 'Dana Park', role: 'guardian', status: 'signed' } });
  t.like(first.body.signers, [
    { name: 'Dana Park', status: 'signed' },
    { name: 'Sam Park', status: 'pending', signed_at: null },
  ]);
  t.false(JSON.stringify(first.body).includes(family.sam), 'a co-signer’s e-mail is never shown');
  const note = await mailTo(family.dana, 2);
  t.regex(note.subject ?? '', /signature for Jacelyn Park is recorded/);
  t.true(note.text?.includes('waiting for Sam Park to sign'));

  const again = await sign(dana, 'Dana Park');
  t.is(again.status, 409);
  t.is(again.body.error.code, 'already_signed_by_you');

  const last = await sign(sam, 'Sam Park');
  t.like(last.body, { status: 'signed', signer: { name: 'Sam Park', status: 'signed' } });
  t.deepEqual(
    (await readAuditLog(db.pool, family.club, family.playerId)).map((row) => row.event_type),
    ['signature', 'sign'],
  );
  for (const [email, count] of [
    [family.dana, 3],
    [family.sam, 2],
  ] as const) {
    t.regex((await mailTo(email, count)).subject ?? '', /the contract for Jacelyn Park is signed/);
  }
  const view = await request(server.baseUrl, 'GET', `/admin/players/${family.playerId}/contract`, { token: family.admin });
  t.like(
    view.body.messages.find((message: { kind: string; to: string }) => message.kind === 'confirmation' && message.to === family.sam),
    { signer: { name: 'Sam Park', role: 'guardian' } },
  );
});

test('under one_guardian: one guardian’s signature completes it; the other link shows it signed and its SIGN is 409 contract_already_signed', async (t) => {
  const family = await minorWithTwoGuardians('one_guardian');
  const [dana, sam] = (await offer(family)).body.signers.map((signer: { contract_url: string }) => tokenOf(signer.contract_url));

  t.like((await sign(sam, 'Sam Park')).body, { status: 'signed' });

  const seen = await request(server.baseUrl, 'GET', `/contract/${dana}`);
  t.like(seen.body, { status: 'signed', signer: { name: 'Dana Park', status: 'pending' } });
  const late = await sign(dana, 'Dana Park');
  t.is(late.status, 409);
  t.is(late.body.error.code, 'contract_already_signed');
});

test('a decline by one guardian declines for both; each is told, the other naming who declined', async (t) => {
  const family = await minorWithTwoGuardians('all_guardians');
  const [dana, sam] = (await offer(family)).body.signers.map((signer: { contract_url: string }) => tokenOf(signer.contract_url));

  const declined = await request(server.baseUrl, 'POST', `/contract/${sam}/decline`);

  t.like(declined.body, { status: 'declined', signer: { name: 'Sam Park', status: 'declined' } });
  t.like((await request(server.baseUrl, 'GET', `/contract/${dana}`)).body, { status: 'declined' });
  t.true((await mailTo(family.dana, 2)).text?.includes('Sam Park declined the offer'));
  t.true((await mailTo(family.sam, 2)).text?.includes('You declined the offer'));
});

test('a re-offer kills every signer’s link: 410 contract_superseded', async (t) => {
  const family = await minorWithTwoGuardians('all_guardians');
  const [, sam] = (await offer(family)).body.signers.map((signer: { contract_url: string }) => tokenOf(signer.contract_url));

  await offer(family, { monthly_fee: 160 }, '?force=true');

  const replaced = await sign(sam, 'Sam Park');
  t.is(replaced.status, 410);
  t.is(replaced.body.error.code, 'contract_superseded');
});

test('a player of adult_age signs alone, whatever guardians are listed', async (t) => {
  const family = await minorWithTwoGuardians('all_guardians', '2000-01-01');

  const answer = await offer(family);

  t.deepEqual(
    answer.body.signers.map(({ name, role }: { name: string; role: string }) => ({ name, role })),
    [{ name: 'Jacelyn Park', role: 'player' }],
  );
});

test('a tier change’s offer tells each guardian the signed contract is void, and what changed', async (t) => {
  const family = await minorWithTwoGuardians('one_guardian');
  const [dana] = (await offer(family)).body.signers.map((signer: { contract_url: string }) => tokenOf(signer.contract_url));
  await sign(dana, 'Dana Park');
  const silver = await createTeam(db.pool, family.club, 'U14 Silver');

  t.is((await offer(family, { monthly_fee: 190, target_team_id: silver })).status, 200);

  // The offer, the confirmation (sent once its receipt PDF is made) and the new offer, in any order.
  await mailTo(family.sam, 3);
  const mail = mailsTo(family.sam).find((received) => received.subject?.includes('a new contract offer'));
  t.true(mail?.text?.includes('It replaces the contract signed before, which is now void.'));
  t.true(mail?.text?.includes('Team: U12 Gold → U14 Silver'));
  t.true(mail?.text?.includes('Monthly fee: $150 per month → $190 per month'));
});
