import test from 'ava';
import { FIRST_CHECKED_MIGRATION, lintMigrations, migrationSql, ownFindings, squawkFindings } from '../tools/db/lint-migrations.ts';

// The rules a new migration keeps so that it applies under live traffic (docs/OPERATING.md, "Deploying"):
// squawk's (.squawk.toml) and ours (tools/db/lint-migrations.ts, `npm run db:lint`). The sealed
// migrations before FIRST_CHECKED_MIGRATION broke them, which shows each check can fail.

const rulesOf = (findings: ReadonlyArray<{ rule: string }>) => findings.map((finding) => finding.rule);
const sealed = (name: string) => migrationSql(`migrations/${name}.ts`);

test(`every migration from ${FIRST_CHECKED_MIGRATION} on keeps the rules: squawk and our own checks find nothing`, async (t) => {
  t.deepEqual(await lintMigrations(), []);
});

test('squawk refuses an index built without CONCURRENTLY (0028) and a constraint that scans under its lock (0019)', async (t) => {
  t.deepEqual(rulesOf(await squawkFindings(await sealed('0028_queued-offer-mail-index'))), ['require-concurrent-index-creation']);
  t.true(rulesOf(await squawkFindings(await sealed('0019_contract-terms'))).includes('constraint-missing-not-valid'));
});

test('a backfill in the migration’s transaction is refused: 0018 rewrote every audit row, 0026 every link', async (t) => {
  const [chain, links] = [ownFindings(await sealed('0018_audit-hash-chain')), ownFindings(await sealed('0026_links-name-their-player'))];

  t.deepEqual(rulesOf(chain), ['backfill-in-transaction']);
  t.regex(chain[0]?.message ?? '', /rows of contract_audit_log/);
  t.true(links.length > 0 && links.every((finding) => /rows of contract_links/.test(finding.message)));
});

test('a migration may fill a table it creates, and rewrite the rules tables the sync writes', (t) => {
  const sql = `
    CREATE TABLE contract_message_counts (tenant_id integer PRIMARY KEY, sent integer NOT NULL);
    INSERT INTO contract_message_counts SELECT tenant_id, count(*) FROM contract_messages GROUP BY tenant_id;
    DELETE FROM contract_transitions;
    INSERT INTO contract_transitions (status, event, target) VALUES ('none', 'OFFER', 'offered');
  `;

  t.deepEqual(ownFindings({ name: '0031_counts', sql, inTransaction: true }), []);
});

test('a function’s body is not run by the migration, so its writes are no backfill', (t) => {
  const sql = `
    CREATE OR REPLACE FUNCTION touch_players() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE players SET name = name;
    END;
    $$;
  `;

  t.deepEqual(ownFindings({ name: '0031_function', sql, inTransaction: true }), []);
});

test('a DO block runs now: its UPDATE in the migration’s transaction is a backfill', (t) => {
  const sql = 'DO $$ BEGIN UPDATE players SET name = trim(name) WHERE name <> trim(name); END $$;';

  t.deepEqual(rulesOf(ownFindings({ name: '0031_do', sql, inTransaction: true })), ['backfill-in-transaction']);
});

test('a no-transaction migration writes a bounded batch at a time, never a whole table in one statement', (t) => {
  const whole = 'UPDATE players SET name = trim(name);';
  const batched = `
    DO $$
    BEGIN
      LOOP
        UPDATE players SET name = trim(name)
        WHERE (tenant_id, id) IN (SELECT tenant_id, id FROM players WHERE name <> trim(name) LIMIT 1000);
        EXIT WHEN NOT FOUND;
        COMMIT;
      END LOOP;
    END $$;
  `;

  t.deepEqual(rulesOf(ownFindings({ name: '0031_whole', sql: whole, inTransaction: false })), ['unbatched-backfill']);
  t.deepEqual(ownFindings({ name: '0031_batched', sql: batched, inTransaction: false }), []);
});
