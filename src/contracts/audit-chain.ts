import { createHash } from 'node:crypto';
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';

/**
 * `club-contracts audit verify` (docs/DESIGN.md, "Tamper evidence"): every audit row's hash is recomputed
 * here, in Node, from the row's columns and the rule that sql/contract_audit_log_content.sql
 * documents, and the chain is followed row by row, club by club. Nothing of the trigger's code is
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

export type ChainVerdict =
  | {
      readonly intact: true;
      /** Rows in the log. */
      readonly rows: number;
      /** Rows removed with their player, whose place in the chain was kept. */
      readonly removed: number;
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

/**
 * Follows one club's chain in id order, a page at a time, through its rows and the places of the
 * rows removed with their player (contract_audit_log_removed), in one REPEATABLE READ snapshot so
 * that writes going on meanwhile neither show half nor break it. Each row's hash is recomputed from
 * its previous_hash and content (any edit to the row shows), each previous_hash must be the hash of
 * the entry before it (a row edited together with its own hash shows at its successor, a row
 * removed any other way than with its player shows as a gap), and the last entry must be the
 * club's chain head (which also catches the newest row edited with its hash).
 */
export async function verifyClubChain(pool: DatabasePool, club: Club, pageSize = 1000): Promise<ChainVerdict> {
  return pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
    const head = await tx.maybeOne(sql.type(headSchema)`
      SELECT last_id, encode(last_hash, 'hex') AS last_hash FROM contract_audit_chain_heads WHERE tenant_id = ${club.id}
    `);
    let previous: Entry | null = null;
    let rows = 0;
    let removed = 0;
    for (;;) {
      const page: readonly Entry[] = await tx.any(sql.type(entrySchema)`
        SELECT * FROM (
          (SELECT id, false AS removed, player_id, encode(previous_hash, 'hex') AS previous_hash, encode(hash, 'hex') AS hash,
                  (extract(epoch FROM ts) * 1000000)::bigint AS ts_micros, event_type,
                  old_state::text AS old_state, new_state::text AS new_state, actor, source, reason
           FROM contract_audit_log WHERE tenant_id = ${club.id} AND id > ${previous?.id ?? 0n}
           ORDER BY id LIMIT ${pageSize})
          UNION ALL
          (SELECT id, true, NULL, encode(previous_hash, 'hex'), encode(hash, 'hex'),
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL
           FROM contract_audit_log_removed WHERE tenant_id = ${club.id} AND id > ${previous?.id ?? 0n}
           ORDER BY id LIMIT ${pageSize})
        ) AS entries
        ORDER BY id LIMIT ${pageSize}
      `);
      for (const entry of page) {
        const problem = checkEntry(club.id, entry, previous, head);
        if (problem !== null) return problem;
        if (entry.removed) removed += 1;
        else rows += 1;
        previous = entry;
      }
      if (page.length < pageSize) break;
    }
    return checkHead(previous, head) ?? { intact: true, rows, removed };
  });
}

type Broken = Extract<ChainVerdict, { intact: false }>;

function broken(entry: Pick<Entry, 'id' | 'player_id' | 'removed'>, problem: string): Broken {
  return { intact: false, rowId: entry.id, playerId: entry.player_id, removedWithPlayer: entry.removed, problem };
}

function checkEntry(
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
    return broken(
      previous,
      `does not match the hash row ${entry.id} chained onto: it was changed after row ${entry.id} was written, ` +
        'or a row between them was removed without a trace',
    );
  }
  if (!entry.removed) {
    const content = canonicalContent(contentOf(tenantId, entry));
    const previousHash = entry.previous_hash === null ? null : Buffer.from(entry.previous_hash, 'hex');
    if (chainHash(previousHash, content).toString('hex') !== entry.hash) {
      return broken(entry, 'does not match its hash: it was changed after it was written');
    }
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
  if (head === null) return null; // no row was ever chained, and none is there (checkEntry saw to that)
  if (last === null || last.id < head.last_id) {
    return {
      intact: false,
      rowId: head.last_id,
      playerId: null,
      removedWithPlayer: false,
      problem: "is gone without a trace: it was the club's newest row",
    };
  }
  if (last.hash !== head.last_hash) {
    return broken(last, "does not match the club's chain head: it was changed after it was written");
  }
  return null;
}
