import test, { type ExecutionContext } from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { updateClub } from '../src/club/store.ts';
import { offerContract } from '../src/contracts/store.ts';
import { signContract } from '../src/family/store.ts';
import { updatePlayer } from '../src/players/store.ts';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// docs/PRODUCT.md, "Family links": a replaced link answers 410 contract_superseded, an unknown one
// 404. An offer records no replaced link: every token minted stays routed (contract_links), so one
// whose player holds it no more was replaced. Links the previous release recorded in
// superseded_contract_tokens answer as they did (docs/OPERATING.md, "A breaking change").

const harness = useHarness();
const db = () => harness().db.pool;

const guardians = [
  { name: 'Dana Park', email: 'dana@example.test' },
  { name: 'Sam Park', email: 'sam@example.test' },
];

async function minor(club: Club, team: number, listed = guardians) {
  const playerId = await createPlayer(db(), club, { teamIds: [team] });
  await updatePlayer(db(), club.id, playerId, { birthDate: '2015-05-01', guardians: listed });
  return playerId;
}

const offer = (club: Club, playerId: number, changes: { force?: boolean; targetTeamId?: number } = {}) =>
  offerContract(db(), {
    tenantId: club.id,
    playerId,
    monthlyFee: 150,
    targetTeamId: changes.targetTeamId ?? null,
    force: changes.force ?? true,
    actor: 'registrar@example.test',
  });

const sign = (token: string) => signContract(db(), { token, signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' });

const get = (path: string, accept = 'application/json') => request(harness().server.baseUrl, 'GET', path, { headers: { accept } });

async function answersReplaced(t: ExecutionContext, token: string) {
  const reply = await get(`/contract/${token}`);
  t.is(reply.status, 410, token);
  t.is(reply.body.error.code, 'contract_superseded');
  const signed = await request(harness().server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: 'Dana Park' } });
  t.is(signed.status, 410);
  t.is(signed.body.error.code, 'contract_superseded');
}

const recordedReplaced = (club: Club) =>
  db().oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*)::integer AS count FROM superseded_contract_tokens WHERE tenant_id = ${club.id}
  `);

test('a re-offer records no replaced link in superseded_contract_tokens, and the old link answers 410 contract_superseded', async (t) => {
  const club = await createClub(db());
  const playerId = await createPlayer(db(), club, { teamIds: [await createTeam(db(), club)] });
  const oldToken = await putContractInState(db(), club, playerId, 'offered');

  await offer(club, playerId);

  t.is(await recordedReplaced(club), 0);
  await answersReplaced(t, oldToken);
});

test('a link the previous release recorded as replaced in superseded_contract_tokens answers 410 contract_superseded', async (t) => {
  const club = await createClub(db());
  const playerId = await createPlayer(db(), club, { teamIds: [await createTeam(db(), club)] });
  const oldToken = await putContractInState(db(), club, playerId, 'offered');
  // That release's re-offer: the same rows, and the replaced token recorded, its route minted before 0067.
  await offer(club, playerId);
  await db().query(sql.unsafe`UPDATE contract_links SET minted_at = NULL WHERE token = ${oldToken}`);
  await db().query(sql.unsafe`
    INSERT INTO superseded_contract_tokens (token, tenant_id, player_id) VALUES (${oldToken}, ${club.id}, ${playerId})
  `);

  await answersReplaced(t, oldToken);
});

test('a re-offer replaces every guardian’s link: each old one answers 410, each new one opens the offer', async (t) => {
  const club = await createClub(db());
  const playerId = await minor(club, await createTeam(db(), club));
  const first = await offer(club, playerId, { force: false });

  const second = await offer(club, playerId);

  for (const signer of first.signers) await answersReplaced(t, signer.token);
  for (const signer of second.signers) t.is((await get(`/contract/${signer.token}`)).status, 200);
});

test('a re-offer rewrites its signers: new ids and links, pending again, and nothing of an earlier signature', async (t) => {
  const club = await createClub(db());
  await updateClub(db(), club.id, { signing_policy: 'all_guardians' });
  const playerId = await minor(club, await createTeam(db(), club));
  const first = await offer(club, playerId, { force: false });
  await sign(first.signers[0]?.token ?? '');

  const second = await offer(club, playerId);

  t.deepEqual(
    second.signers.map(({ name, role, status }) => ({ name, role, status })),
    guardians.map(({ name }) => ({ name, role: 'guardian', status: 'pending' })),
  );
  const ids = (outcome: typeof first) => outcome.signers.map((signer) => signer.signer_id);
  t.deepEqual(
    ids(second).filter((id) => ids(first).includes(id)),
    [],
  );
  const signed = await db().oneFirst(sql.type(z.object({ signed: z.number() }))`
    SELECT count(*)::integer AS signed FROM contract_signers
    WHERE tenant_id = ${club.id} AND player_id = ${playerId}
      AND (status <> 'pending' OR answered_at IS NOT NULL OR signed_by IS NOT NULL OR terms_version IS NOT NULL)
  `);
  t.is(signed, 0);
});

test('a re-offer to fewer guardians removes the signer no longer listed, whose link answers 410; one to more adds them', async (t) => {
  const club = await createClub(db());
  const playerId = await minor(club, await createTeam(db(), club));
  const two = await offer(club, playerId, { force: false });

  await updatePlayer(db(), club.id, playerId, { guardians: guardians.slice(0, 1) });
  const one = await offer(club, playerId);
  t.deepEqual(
    one.signers.map((signer) => signer.name),
    ['Dana Park'],
  );
  await answersReplaced(t, two.signers[1]?.token ?? '');

  await updatePlayer(db(), club.id, playerId, { guardians });
  const again = await offer(club, playerId);
  t.deepEqual(
    again.signers.map((signer) => signer.name),
    ['Dana Park', 'Sam Park'],
  );
  t.is((await get(`/contract/${again.signers[1]?.token}`)).status, 200);
});

test('a link an operator’s override replaced answers 410 contract_superseded', async (t) => {
  const club = await createClub(db());
  const playerId = await createPlayer(db(), club, { teamIds: [await createTeam(db(), club)] });
  const oldToken = await putContractInState(db(), club, playerId, 'offered');

  await db().query(sql.unsafe`
    SELECT override_contract(${club.id}, ${playerId}, '{"contract_status": "none", "contract_token": null, "monthly_fee": null}',
      'Offered to the wrong player, ticket 4711.', 'ops@example.test')
  `);

  await answersReplaced(t, oldToken);
});

test('a deleted player’s links, replaced or current, answer 404 contract_not_found', async (t) => {
  const club = await createClub(db());
  const playerId = await createPlayer(db(), club, { teamIds: [await createTeam(db(), club)] });
  const replaced = await putContractInState(db(), club, playerId, 'offered');
  const current = (await offer(club, playerId)).contract_token;

  await db().query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}`);

  for (const token of [replaced, current]) {
    const reply = await get(`/contract/${token}`);
    t.is(reply.status, 404, token);
    t.is(reply.body.error.code, 'contract_not_found');
  }
});

/** A minor both guardians signed for, then a tier change; the guardians' old links. */
async function tierChanged() {
  const club = await createClub(db(), 'Westside Hoops');
  const [gold, silver] = [await createTeam(db(), club, 'U12 Gold'), await createTeam(db(), club, 'U14 Silver')];
  await updateClub(db(), club.id, { signing_policy: 'all_guardians' });
  const playerId = await minor(club, gold);
  const signed = await offer(club, playerId, { force: false });
  for (const signer of signed.signers) await sign(signer.token);
  const change = await offer(club, playerId, { force: false, targetTeamId: silver });
  return { club, links: signed.signers.map((signer) => signer.token), change };
}

async function showsWhatWasSigned(t: ExecutionContext, token: string) {
  const page = await get(`/contract/${token}`, 'text/html');
  t.is(page.status, 410);
  t.true(page.body.includes('This contract was replaced'), token);
  t.true(page.body.includes('U12 Gold'));
  const receipt = await get(`/contract/${token}/receipt`, 'text/html');
  t.is(receipt.status, 200);
  t.true(receipt.body.includes('replaced this contract'));
}

test('after a tier change, each guardian’s old link shows the contract signed, and its receipt works', async (t) => {
  const { links } = await tierChanged();

  for (const token of links) await showsWhatWasSigned(t, token);
});

test('after a tier change the previous release recorded, the second guardian’s old link shows the contract signed', async (t) => {
  const { club, links, change } = await tierChanged();
  // As that release left it: the link routed before 0067, recorded as replaced at the tier change's time.
  const second = links[1] ?? '';
  await db().query(sql.unsafe`UPDATE contract_links SET minted_at = NULL WHERE token = ${second}`);
  await db().query(sql.unsafe`
    INSERT INTO superseded_contract_tokens (token, tenant_id, player_id, superseded_at)
    SELECT ${second}, tenant_id, player_id, ts FROM contract_audit_log WHERE tenant_id = ${club.id} AND id = ${change.audit_id}
  `);

  await showsWhatWasSigned(t, second);
});
