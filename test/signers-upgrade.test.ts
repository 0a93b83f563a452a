import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { findContractByToken, signContract } from '../src/family/store.ts';
import { migrate, migrationNames } from '../src/db/migrate.ts';
import { createTestDatabase } from './helpers/database.ts';

// docs/PRODUCT.md, "Who signs": a database with offers made before signers existed upgrades with
// `npm run migrate -- up`, and those offers stay signable through their old links, the player their
// one signer.

const BEFORE_SIGNERS = migrationNames().indexOf('0042_contract-signers');

test('an open offer made before signers existed is signed through its old link after the upgrade', async (t) => {
  const db = await createTestDatabase({ empty: true });
  t.teardown(() => db.drop());
  await migrate(db.url, { direction: 'up', count: BEFORE_SIGNERS, log: () => {} });
  const tenantId = await db.pool.oneFirst(
    sql.type(z.object({ id: z.number() }))`INSERT INTO tenants (slug, name) VALUES ('old-club', 'Old Club') RETURNING id`,
  );
  const playerId = await db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO players (tenant_id, name, email) VALUES (${tenantId}, 'Jacelyn Park', 'family@example.test') RETURNING id
  `);
  const token = await db.pool.oneFirst(sql.type(z.object({ contract_token: z.string() }))`
    SELECT contract_token FROM offer_contract(${tenantId}, ${playerId}, 150, NULL, false, ARRAY['none'], 'a', 'admin_api')
  `);

  await migrate(db.url, { direction: 'up', log: () => {} });

  const link = await findContractByToken(db.pool, token);
  t.like(link, { kind: 'current', contract: { status: 'offered', signers: [{ signer_id: null, role: 'player', status: 'pending' }] } });
  const answer = await signContract(db.pool, { token, signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' });
  t.like(answer, { status: 'signed' });
  t.like(answer.signers, [{ role: 'player', token, status: 'signed' }]);
});
