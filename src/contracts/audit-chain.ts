import { createHash } from 'node:crypto';
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';

/**
 * `club-contracts audit verify` (docs/DESIGN.md, "Tamper evidence"): every audit row's hash is recomputed
 * here, in Node, from the row's columns and the rule that sql/contract_audit_log_content.sql
 * documents, each player's chain is followed row by row and each club's checkpoints recomputed. Nothing of the trigger's code is
 * reused, so a verifier that agrees with it is a second, independent reading of the rule.
 */

/** The columns an audit row's hash covers, read losslessly from the database. */
export interface AuditRowContent {
  readonly tenantId: number;
  readonly id: bigint;
  /** `ts` in microseconds since 1970-01-01T00:00:00Z, its full precision. */
  readonly tsMicros: bigint;
  readonly playerId: number;
  readonly eventType: string;
  /** `old_state::text`: jsonb's own canonical text of the snapshot. */
  readonly oldState: string;
  readonly newState: string;
  readonly actor: string;
  readonly source: string;
  readonly reason: string | null;
}

/** The canonical content of an audit row: the text of its jsonb object, built here by jsonb's rules. */
export function canonicalContent(row: AuditRowContent): string {
  const members: Array<readonly [string, string]> = [
    ['tenant_id', String(row.tenantId)],
    ['id', String(row.id)],
    ['ts', jsonString(utcMicros(row.tsMicros))],
    ['player_id', String(row.playerId)],
    ['event_type', jsonString(row.eventType)],
    ['old_state', row.oldState],
    ['new_state', row.newState],
    ['actor', jsonString(row.actor)],
    ['source', jsonString(row.source)],
    ['reason', row.reason === null ? 'null' : jsonString(row.reason)],
  ];
  members.sort(([a], [b]) => jsonbKeyOrder(a, b));
  return `{${members.map(([key, value]) => `${jsonString(key)}: ${value}`).join(', ')}}`;
}

/** sha256(previous hash ‖ UTF-8 of the canonical content); the club's first row has no previous hash. */
export function chainHash(previousHash: Buffer | null, content: string): Buffer {
  const hash = createHash('sha256');
  if (previousHash !== null) hash.update(previousHash);
  return hash.update(content, 'utf8').digest();
}

/** jsonb orders an object's keys by their length in bytes, then by their bytes. */
function jsonbKeyOrder(a: string, b: string): number {
  const [left, right] = [Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')];
  return left.length - right.length || Buffer.compare(left, right);
}

/** A string as PostgreSQL's JSON output writes it (escape_json). */
function jsonString(text: string): string {
  let out = '"';
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    out += ESCAPES[character] ?? (code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : character);
  }
  return `${out}"`;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** 2026-01-31T18:00:00.123456Z */
function utcMicros(micros: bigint): string {
  const remainder = ((micros % 1000n) + 1000n) % 1000n;
  const millis = (micros - remainder) / 1000n;
  const iso = new Date(Number(millis)).toISOString();
  return `${iso.slice(0, -1)}${String(remainder).padStart(3, '0')}Z`;
}

// ---- verifying ----

export interface Club {
  readonly id: number;
  readonly slug: string;
}

export class UnknownClubError extends Error {
  constructor(readonly slug: string) {
    super(`no club has the slug "${slug}"`);
    this.name = 'UnknownClubError';
  }
}

/** The clubs to verify: the one named, or every club by slug. */
export async function clubsToVerify(db: CommonQueryMethods, slug?: string): Promise<readonly Club[]> {
  const clubs = await db.any(sql.type(z.object({ id: z.number(), slug: z.string() }))`
    SELECT id, slug FROM tenants ${slug === undefined ? sql.fragment`` : sql.fragment`WHERE slug = ${slug}`} ORDER BY slug
  `);
  if (slug !== undefined && clubs.length === 0) throw new UnknownClubError(slug);
  return clubs;
}

export interface Checkpoint {
  /** The seal (one run of the sealer) that wrote it; a club's checkpoints follow seal order. */
  readonly sealId: bigint;
  /** sha256(the club's previous checkpoint hash ‖ the sealed rows' hashes in id order), in hex. */
  readonly hash: string;
}

export type ChainVerdict =
  | {
      readonly intact: true;
      /** Rows in the log. */
      readonly rows: number;
      /** Rows removed with their player, whose place in the chain was kept. */
      readonly removed: number;
      /** The club's newest checkpoint: the value to publish. Null until the worker first seals a row of the club. */
      readonly checkpoint: Checkpoint | null;
      /** Rows written since the newest seal, that the next one takes. */
      readonly unsealed: number;
    }
  | {
      readonly intact: false;
      /** The first row, in id order, whose hash does not match. */
      readonly rowId: bigint;
      /** Its player; null for a row that is gone. */
      readonly playerId: number | null;
      /** Whether the row was removed with its player (its place in the chain is all that is left). */
      readonly removedWithPlayer: boolean;
      /** What does not match, and what that means. */
      readonly problem: string;
    };

const entrySchema = z.object({
  id: z.bigint(),
  removed: z.boolean(),
  /** Chained per club, as every row was before per-player chains (its xact_id is NULL). */
  club_chained: z.boolean(),
  player_id: z.number().nullable(),
  previous_hash: z.string().nullable(),
  hash: z.string(),
  ts_micros: z.bigint().nullable(),
  event_type: z.string().nullable(),
  old_state: z.string().nullable(),
  new_state: z.string().nullable(),
  actor: z.string().nullable(),
  source: z.string().nullable(),
  reason: z.string().nullable(),
});
type Entry = z.infer<typeof entrySchema>;

const headSchema = z.object({ last_id: z.bigint(), last_hash: z.string() });

/** The newest row of each player seen so far: what that player's next row must chain onto. */
type PlayerHeads = Map<number, Pick<Entry, 'id' | 'player_id' | 'removed' | 'hash'>>;

/**
 * Verifies one club in one REPEATABLE READ snapshot, so that writes going on meanwhile neither show
 * half nor break it:
 *  1. its rows in id order, a page at a time, with the places of rows removed with their player
 *     (contract_audit_log_removed). Each row's hash is recomputed from its previous_hash and content
 *     (any edit to the row shows). A row's previous_hash must be the hash of its player's previous
 *     row (a row edited together with its own hash shows at its player's next row; one removed any
 *     other way than with its player shows as a gap). Rows from before per-player chains follow the
 *     club's chain instead, up to its head (contract_audit_chain_heads).
 *  2. its checkpoints in seal order: each adds up and chains onto the one before, and every row it
 *     sealed is still there with the hash it sealed (which catches a player's newest row edited
 *     with its hash, or removed, once sealed).
 *  3. no row the newest seal should have taken is missing from every checkpoint: one slipped in.
 */
export async function verifyClubChain(pool: DatabasePool, club: Club, pageSize = 1000): Promise<ChainVerdict> {
  return pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
    const rowsVerdict = await verifyRows(tx, club, pageSize);
    if (!rowsVerdict.intact) return rowsVerdict;
    const checkpointsVerdict = await verifyCheckpoints(tx, club, pageSize);
    if (!checkpointsVerdict.intact) return checkpointsVerdict;
    const sealing = await verifySealing(tx, club);
    if (!sealing.intact) return sealing;
    return {
      intact: true,
      rows: rowsVerdict.rows,
      removed: rowsVerdict.removed,
      checkpoint: checkpointsVerdict.checkpoint,
      unsealed: sealing.unsealed,
    };
  });
}

type Broken = Extract<ChainVerdict, { intact: false }>;

async function verifyRows(
  tx: CommonQueryMethods,
  club: Club,
  pageSize: number,
): Promise<Broken | { intact: true; rows: number; removed: number }> {
  const head = await tx.maybeOne(sql.type(headSchema)`
    SELECT last_id, encode(last_hash, 'hex') AS last_hash FROM contract_audit_chain_heads WHERE tenant_id = ${club.id}
  `);
  const heads: PlayerHeads = new Map();
  let previous: Entry | null = null;
  let previousClubChained: Entry | null = null;
  let rows = 0;
  let removed = 0;
  for (;;) {
    const page: readonly Entry[] = await tx.any(sql.type(entrySchema)`
      SELECT * FROM (
        (SELECT id, false AS removed, xact_id IS NULL AS club_chained, player_id,
                encode(previous_hash, 'hex') AS previous_hash, encode(hash, 'hex') AS hash,
                (extract(epoch FROM ts) * 1000000)::bigint AS ts_micros, event_type,
                old_state::text AS old_state, new_state::text AS new_state, actor, source, reason
         FROM contract_audit_log WHERE tenant_id = ${club.id} AND id > ${previous?.id ?? 0n}
         ORDER BY id LIMIT ${pageSize})
        UNION ALL
        (SELECT id, true, xact_id IS NULL, NULL, encode(previous_hash, 'hex'), encode(hash, 'hex'),
                NULL, NULL, NULL, NULL, NULL, NULL, NULL
         FROM contract_audit_log_removed WHERE tenant_id = ${club.id} AND id > ${previous?.id ?? 0n}
         ORDER BY id LIMIT ${pageSize})
      ) AS entries
      ORDER BY id LIMIT ${pageSize}
    `);
    for (const entry of page) {
      const problem = entry.club_chained
        ? checkClubChained(club.id, entry, previousClubChained, head)
        : checkPlayerChained(club.id, entry, heads);
      if (problem !== null) return problem;
      if (entry.removed) removed += 1;
      else rows += 1;
      if (entry.club_chained) previousClubChained = entry;
      // Just what the player's next row is checked against: a club's players can number hundreds of thousands.
      if (entry.player_id !== null) {
        heads.set(entry.player_id, { id: entry.id, player_id: entry.player_id, removed: entry.removed, hash: entry.hash });
      }
      previous = entry;
    }
    if (page.length < pageSize) break;
  }
  return checkHead(previousClubChained, head) ?? { intact: true, rows, removed };
}

function broken(entry: Pick<Entry, 'id' | 'player_id' | 'removed'>, problem: string): Broken {
  return { intact: false, rowId: entry.id, playerId: entry.player_id, removedWithPlayer: entry.removed, problem };
}

function checkClubChained(
  tenantId: number,
  entry: Entry,
  previous: Entry | null,
  head: z.infer<typeof headSchema> | null,
): Broken | null {
  if (head === null) return broken(entry, 'is not in the chain: the club has no chain head');
  if (entry.id > head.last_id) {
    return broken(entry, `is not in the chain: it comes after the club's chain head, row ${head.last_id}`);
  }
  if (entry.previous_hash !== (previous?.hash ?? null)) {
    if (previous === null) {
      return broken(entry, 'chains onto a row that is not there: a row before it was removed without a trace');
    }
    return changedOrGap(previous, entry);
  }
  return checkOwnHash(tenantId, entry);
}

/** A row chained per player: onto its player's previous row. A removed one's player is gone with all its rows. */
function checkPlayerChained(tenantId: number, entry: Entry, heads: PlayerHeads): Broken | null {
  if (entry.removed || entry.player_id === null) return null;
  const previous = heads.get(entry.player_id) ?? null;
  if (entry.previous_hash !== (previous?.hash ?? null)) {
    if (previous === null) {
      return broken(entry, "chains onto a row that is not there: a row of its player's before it was removed without a trace");
    }
    return changedOrGap(previous, entry);
  }
  return checkOwnHash(tenantId, entry);
}

function changedOrGap(previous: Pick<Entry, 'id' | 'player_id' | 'removed'>, entry: Entry): Broken {
  return broken(
    previous,
    `does not match the hash row ${entry.id} chained onto: it was changed after row ${entry.id} was written, ` +
      'or a row between them was removed without a trace',
  );
}

function checkOwnHash(tenantId: number, entry: Entry): Broken | null {
  if (entry.removed) return null;
  const content = canonicalContent(contentOf(tenantId, entry));
  const previousHash = entry.previous_hash === null ? null : Buffer.from(entry.previous_hash, 'hex');
  if (chainHash(previousHash, content).toString('hex') !== entry.hash) {
    return broken(entry, 'does not match its hash: it was changed after it was written');
  }
  return null;
}

function contentOf(tenantId: number, entry: Entry): AuditRowContent {
  const { player_id, ts_micros, event_type, old_state, new_state, actor, source } = entry;
  if (
    player_id === null ||
    ts_micros === null ||
    event_type === null ||
    old_state === null ||
    new_state === null ||
    actor === null ||
    source === null
  ) {
    throw new Error(`audit row ${entry.id} is missing a column`);
  }
  return {
    tenantId,
    id: entry.id,
    tsMicros: ts_micros,
    playerId: player_id,
    eventType: event_type,
    oldState: old_state,
    newState: new_state,
    actor,
    source,
    reason: entry.reason,
  };
}

function checkHead(last: Entry | null, head: z.infer<typeof headSchema> | null): Broken | null {
  if (head === null) return null; // no row was ever chained per club, and none is there (checkClubChained saw to that)
  if (last === null || last.id < head.last_id) {
    return {
      intact: false,
      rowId: head.last_id,
      playerId: null,
      removedWithPlayer: false,
      problem: "is gone without a trace: it was the newest row of the club's chain",
    };
  }
  if (last.hash !== head.last_hash) {
    return broken(last, "does not match the club's chain head: it was changed after it was written");
  }
  return null;
}

const checkpointSchema = z.object({
  seal_id: z.bigint(),
  audit_hashes: z.instanceof(Buffer),
  previous_hash: z.string().nullable(),
  hash: z.string(),
});

const sealedRowSchema = z.object({
  seal_id: z.bigint(),
  id: z.bigint(),
  player_id: z.number().nullable(),
  removed: z.boolean(),
  hash: z.string().nullable(),
});

/** Step 2: the club's checkpoints, a page at a time, each recomputed from the rows it sealed. */
async function verifyCheckpoints(
  tx: CommonQueryMethods,
  club: Club,
  pageSize: number,
): Promise<Broken | { intact: true; checkpoint: Checkpoint | null }> {
  let previous: z.infer<typeof checkpointSchema> | null = null;
  for (;;) {
    const checkpoints: ReadonlyArray<z.infer<typeof checkpointSchema>> = await tx.any(sql.type(checkpointSchema)`
      SELECT seal_id, audit_hashes, encode(previous_hash, 'hex') AS previous_hash, encode(hash, 'hex') AS hash
      FROM contract_audit_checkpoints
      WHERE tenant_id = ${club.id} AND seal_id > ${previous?.seal_id ?? 0n}
      ORDER BY seal_id LIMIT ${pageSize}
    `);
    if (checkpoints.length === 0) break;
    const sealed = await tx.any(sql.type(sealedRowSchema)`
      SELECT checkpoint.seal_id, sealed.id, audit.player_id, removed.id IS NOT NULL AS removed,
             encode(coalesce(audit.hash, removed.hash), 'hex') AS hash
      FROM contract_audit_checkpoints AS checkpoint
      CROSS JOIN LATERAL unnest(checkpoint.audit_ids) WITH ORDINALITY AS sealed (id, position)
      LEFT JOIN contract_audit_log AS audit ON audit.tenant_id = checkpoint.tenant_id AND audit.id = sealed.id
      LEFT JOIN contract_audit_log_removed AS removed ON removed.tenant_id = checkpoint.tenant_id AND removed.id = sealed.id
      WHERE checkpoint.tenant_id = ${club.id}
        AND checkpoint.seal_id = ANY (${sql.array(
          checkpoints.map((checkpoint) => checkpoint.seal_id),
          'int8',
        )})
      ORDER BY checkpoint.seal_id, sealed.position
    `);
    const rowsOf = new Map<bigint, Array<z.infer<typeof sealedRowSchema>>>();
    for (const row of sealed) {
      const rows = rowsOf.get(row.seal_id);
      if (rows === undefined) rowsOf.set(row.seal_id, [row]);
      else rows.push(row);
    }
    for (const checkpoint of checkpoints) {
      const problem = checkCheckpoint(checkpoint, previous, rowsOf.get(checkpoint.seal_id) ?? []);
      if (problem !== null) return problem;
      previous = checkpoint;
    }
    if (checkpoints.length < pageSize) break;
  }
  return { intact: true, checkpoint: previous === null ? null : { sealId: previous.seal_id, hash: previous.hash } };
}

function checkCheckpoint(
  checkpoint: z.infer<typeof checkpointSchema>,
  previous: z.infer<typeof checkpointSchema> | null,
  rows: ReadonlyArray<z.infer<typeof sealedRowSchema>>,
): Broken | null {
  const first = rows[0];
  if (first === undefined) throw new Error(`checkpoint ${checkpoint.seal_id} seals no row`);
  const hash = createHash('sha256');
  if (checkpoint.previous_hash !== null) hash.update(Buffer.from(checkpoint.previous_hash, 'hex'));
  if (
    checkpoint.previous_hash !== (previous?.hash ?? null) ||
    hash.update(checkpoint.audit_hashes).digest('hex') !== checkpoint.hash
  ) {
    return broken(
      { id: first.id, player_id: first.player_id, removed: first.removed },
      `was sealed by checkpoint ${checkpoint.seal_id}, which does not add up or does not chain onto the club's checkpoint before it: ` +
        'a checkpoint was changed or removed',
    );
  }
  for (const [index, row] of rows.entries()) {
    if (row.hash === null) {
      return broken(
        { id: row.id, player_id: null, removed: false },
        `is gone without a trace: checkpoint ${checkpoint.seal_id} sealed it`,
      );
    }
    // Step 1 already caught any other change: only a player's newest row can change with its hash unseen there.
    if (row.hash !== checkpoint.audit_hashes.subarray(32 * index, 32 * (index + 1)).toString('hex')) {
      return broken(
        { id: row.id, player_id: row.player_id, removed: row.removed },
        `does not match the hash checkpoint ${checkpoint.seal_id} sealed: it was changed together with its hash after it was sealed`,
      );
    }
  }
  return null;
}

const sealingSchema = z.object({
  slipped_in_id: z.bigint().nullable(),
  slipped_in_player_id: z.number().nullable(),
  unsealed: z.number(),
});

/**
 * Step 3: every row of a transaction that had ended when the newest seal ran must be in a
 * checkpoint; one that is not was slipped in after (as was one whose writing transaction has not
 * even begun). The rest are newer than the newest seal.
 */
async function verifySealing(tx: CommonQueryMethods, club: Club): Promise<Broken | { intact: true; unsealed: number }> {
  const sealing = await tx.one(sql.type(sealingSchema)`
    WITH newest_seal AS (SELECT max(to_xact) AS to_xact FROM contract_audit_seals),
    unsealed AS (
      SELECT audit.id, audit.player_id,
             audit.xact_id < (SELECT to_xact FROM newest_seal)
               OR audit.xact_id >= pg_snapshot_xmax(pg_current_snapshot()) AS slipped_in
      FROM contract_audit_log AS audit
      LEFT JOIN (
        SELECT unnest(checkpoint.audit_ids) AS id FROM contract_audit_checkpoints AS checkpoint
        WHERE checkpoint.tenant_id = ${club.id}
      ) AS sealed ON sealed.id = audit.id
      WHERE audit.tenant_id = ${club.id} AND audit.xact_id IS NOT NULL AND sealed.id IS NULL
    )
    SELECT first.id AS slipped_in_id, first.player_id AS slipped_in_player_id,
           (SELECT count(*)::integer FROM unsealed WHERE slipped_in IS NOT TRUE) AS unsealed
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT id, player_id FROM unsealed WHERE slipped_in ORDER BY id LIMIT 1) AS first ON true
  `);
  if (sealing.slipped_in_id !== null) {
    return broken(
      { id: sealing.slipped_in_id, player_id: sealing.slipped_in_player_id, removed: false },
      'is in no checkpoint, though the seals it belongs to were made: it was slipped in after',
    );
  }
  return { intact: true, unsealed: sealing.unsealed };
}
