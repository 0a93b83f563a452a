import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createdTeamRow, team } from '../src/teams/store.ts';
import {
  createdPlayerRow,
  createdPlayerRowBeforeExternalId,
  createdPlayerRowBeforeGuardians,
  importOutcome,
  playerRow,
  playerRowBeforeExternalId,
  playerRowBeforeGuardians,
} from '../src/players/store.ts';
import { offerOutcome, withdrawalOutcome } from '../src/contracts/store.ts';
import { answeredRow } from '../src/family/store.ts';
import { termsRow } from '../src/terms/store.ts';
import { claimedMessage, messageToSend, reminded } from '../src/mail/contract-messages.ts';
import { useDatabase } from './helpers/sql-test.ts';

// One shape per answer (docs/CONTRIBUTING.md, "Conventions"): the zod schema a store parses a SQL
// function's row with is the row the function returns, column for column, and the answers extend
// it. A column added to a function's RETURNS TABLE or composite type without its schema, or the
// other way round, fails here rather than as a 500 on the first call.

const db = useDatabase();

/** Every function whose whole row (`SELECT *`) a store parses, with the schema it parses it with. */
const FUNCTION_ROWS: Readonly<Record<string, z.AnyZodObject>> = {
  create_team: createdTeamRow,
  update_team: team,
  create_player_with_external_id: createdPlayerRow,
  update_player_with_external_id: playerRow.omit({ language: true }),
  import_players: importOutcome,
  // Called by the release before this one during a rolling deploy, with its own row shapes.
  create_player_with_guardians: createdPlayerRowBeforeExternalId,
  update_player_with_guardians: playerRowBeforeExternalId,
  // Still installed for the release before that one.
  create_player: createdPlayerRowBeforeGuardians,
  update_player: playerRowBeforeGuardians,
  offer_contract_with_signers: offerOutcome,
  // Called by the release before this one, in its own outcome type.
  offer_contract: offerOutcome.omit({ signers: true }),
  withdraw_contract: withdrawalOutcome,
  sign_contract_as_signer: answeredRow,
  decline_contract_as_signer: answeredRow,
  sign_contract_with_evidence: answeredRow.omit({ signer_id: true, signers: true }),
  decline_contract: answeredRow.omit({ signer_id: true, signers: true }),
  create_contract_terms_with_translations: termsRow,
  // Called by the release before this one, with its own row shape.
  create_contract_terms: termsRow.omit({ language: true, translations: true }),
  begin_signer_message: messageToSend,
  begin_contract_message: messageToSend.omit({
    signer_name: true,
    signer_role: true,
    awaited_signers: true,
    terms_title: true,
    terms_version: true,
    voided_team_names: true,
    voided_monthly_fee: true,
    declined_by: true,
    language: true,
  }),
  remind_families: reminded,
  claim_contract_messages: claimedMessage,
};

/** What slonik hands zod for each PostgreSQL type (src/db/pool.ts sets the parsers); jsonb may hold an object or a list. */
const ZOD_KINDS_OF_TYPE: Readonly<Record<string, readonly string[] | string>> = {
  int4: 'ZodNumber',
  int8: 'ZodBigInt',
  numeric: 'ZodNumber',
  text: 'ZodString',
  inet: 'ZodString',
  bool: 'ZodBoolean',
  timestamptz: 'ZodNumber',
  uuid: 'ZodString',
  bytea: 'ZodAny',
  _int4: 'ZodArray',
  _text: 'ZodArray',
  date: 'ZodString',
  jsonb: ['ZodRecord', 'ZodArray'],
};

/** The schema's kind under its wrappers (nullable, optional, default, transform, pipe); z.instanceof(Buffer) is a refined ZodAny. */
function kindOf(schema: z.ZodTypeAny): string {
  const def = schema._def as { innerType?: z.ZodTypeAny; schema?: z.ZodTypeAny; in?: z.ZodTypeAny; typeName: string };
  const inner = def.innerType ?? def.schema ?? def.in;
  return inner === undefined ? def.typeName : kindOf(inner);
}

const resultColumns = z.object({ name: z.string(), type: z.string() });

for (const [name, schema] of Object.entries(FUNCTION_ROWS)) {
  test(`${name} returns exactly the columns its store schema parses, each of the kind it expects`, async (t) => {
    // RETURNS TABLE names its columns as OUT/TABLE arguments; RETURNS a composite type names them as the type's attributes.
    const columns = await db().pool.any(sql.type(resultColumns)`
      SELECT coalesce(table_columns.name, attributes.attname) AS name, coalesce(table_columns.type, types.typname) AS type
      FROM pg_proc
      LEFT JOIN LATERAL (
        SELECT argument.name, argument_type.typname AS type, argument.position
        FROM unnest(pg_proc.proargnames, pg_proc.proargmodes::text[], pg_proc.proallargtypes)
          WITH ORDINALITY AS argument(name, mode, type, position)
        JOIN pg_type AS argument_type ON argument_type.oid = argument.type
        WHERE argument.mode IN ('t', 'o')
      ) AS table_columns ON true
      LEFT JOIN pg_type AS returned ON returned.oid = pg_proc.prorettype AND table_columns.name IS NULL
      LEFT JOIN pg_attribute AS attributes ON attributes.attrelid = returned.typrelid AND attributes.attnum > 0 AND NOT attributes.attisdropped
      LEFT JOIN pg_type AS types ON types.oid = attributes.atttypid
      WHERE pg_proc.proname = ${name} AND pg_proc.pronamespace = 'public'::regnamespace
      ORDER BY coalesce(table_columns.position, attributes.attnum)
    `);
    t.true(columns.length > 0, `${name} exists and returns a row type`);
    t.deepEqual(columns.map((column) => column.name).sort(), Object.keys(schema.shape).sort(), 'the same column names');
    for (const column of columns) {
      const field = schema.shape[column.name] as z.ZodTypeAny | undefined;
      if (field === undefined) continue;
      const expected = ZOD_KINDS_OF_TYPE[column.type];
      t.not(expected, undefined, `${name}.${column.name}: ${column.type} is a type this test knows`);
      const kind = kindOf(field);
      t.true(
        [expected].flat().includes(kind) || (column.type === 'text' && kind === 'ZodEnum'),
        `${name}.${column.name}: ${column.type} parsed as ${kind}`,
      );
    }
  });
}
