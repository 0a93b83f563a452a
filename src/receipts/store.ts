import { createHash } from 'node:crypto';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import type { ReceiptContent } from './render.ts';

/** Which signed contract a receipt is of: its player and its completing `sign` audit row. */
export interface ReceiptOf {
  readonly tenantId: number;
  readonly playerId: number;
  readonly signAuditId: bigint;
}

const signatureSnapshot = z.object({
  role: z.enum(['guardian', 'player']).nullable().optional(),
  name: z.string().nullable().optional(),
  signed_by: z.string().nullable().optional(),
  signed_at: z.string().nullable().optional(),
  ip: z.string().nullable().optional(),
  user_agent: z.string().nullable().optional(),
  esign_consent: z.boolean().nullable().optional(),
  disclosure_sha256: z.string().nullable().optional(),
  terms_version: z.number().nullable().optional(),
  terms_sha256: z.string().nullable().optional(),
  /** The language the signer read and signed in (docs/LANGUAGES.md); absent before languages. */
  language: z.string().nullable().optional(),
  terms_language: z.string().nullable().optional(),
});

/** The `sign` row's snapshot (sql/snapshot_contract.sql): the contract as it was signed. */
const signedSnapshot = z.object({
  monthly_fee: z.number().nullable(),
  contract_signed_at: z.string(),
  contract_signed_by: z.string().nullable(),
  contract_signed_ip: z.string().nullable(),
  contract_version: z.string().nullable(),
  contract_terms_version: z.number().nullable(),
  contract_esign_consent: z.boolean().nullable().optional(),
  contract_disclosure_version: z.string().nullable().optional(),
  contract_disclosure_sha256: z.string().nullable().optional(),
  contract_signed_user_agent: z.string().nullable().optional(),
  team_ids: z.array(z.number()).nullable().optional(),
  signatures: z.array(signatureSnapshot).nullable().optional(),
});

const contentRow = z.object({
  club_name: z.string(),
  club_slug: z.string(),
  club_time_zone: z.string(),
  player_name: z.string(),
  signed: z.record(z.unknown()),
  team_names: z.array(z.string()),
  terms_title: z.string().nullable(),
  terms_version: z.number().nullable(),
  terms_sha256: z.string().nullable(),
  terms_body: z.string().nullable(),
  /** The terms' translations by language, with their text and its sha256 (hex). */
  terms_translations: z.record(z.object({ title: z.string(), body: z.string(), sha256: z.string() })).nullable(),
  club_language: z.string(),
  trail: z.array(
    z.object({
      id: z.string(),
      ts: z.string(),
      event_type: z.string(),
      actor: z.string(),
      source: z.string(),
      hash: z.string(),
      previous_hash: z.string().nullable(),
    }),
  ),
});

/**
 * What the receipt of `of` shows, read from its `sign` row and what that row names; null when the
 * row is not a `sign` row of that player. The trail is the contract's own rows: from the row after
 * the one that ended the player's previous contract (a first offer writes no row) to the `sign` row.
 * Team names and the club's name are today's: the receipt is made once, right after the signature.
 */
export async function readReceiptContent(
  db: CommonQueryMethods,
  of: ReceiptOf,
  currency: string,
): Promise<ReceiptContent | null> {
  const row = await db.maybeOne(sql.type(contentRow)`
    WITH sign AS (
      SELECT * FROM contract_audit_log
      WHERE tenant_id = ${of.tenantId} AND player_id = ${of.playerId} AND id = ${of.signAuditId} AND event_type = 'sign'
    ),
    ended AS (
      SELECT coalesce(max(earlier.id), 0) AS id FROM contract_audit_log AS earlier, sign
      WHERE earlier.tenant_id = sign.tenant_id AND earlier.player_id = sign.player_id AND earlier.id < sign.id
        AND earlier.event_type IN ('sign', 'decline', 'withdraw', 'expire', 'admin_override', 'receipt')
    )
    SELECT
      tenants.name AS club_name,
      tenants.slug AS club_slug,
      tenants.time_zone AS club_time_zone,
      players.name AS player_name,
      sign.new_state AS signed,
      ARRAY(
        SELECT teams.name FROM teams
        WHERE teams.tenant_id = sign.tenant_id
          AND teams.id IN (SELECT jsonb_array_elements_text(sign.new_state->'team_ids')::integer)
        ORDER BY teams.name
      ) AS team_names,
      terms.title AS terms_title,
      terms.version AS terms_version,
      encode(terms.sha256, 'hex') AS terms_sha256,
      terms.body AS terms_body,
      (
        SELECT jsonb_object_agg(translation.language, jsonb_build_object(
          'title', translation.title, 'body', translation.body, 'sha256', encode(translation.sha256, 'hex')
        ))
        FROM contract_terms_translations AS translation
        WHERE translation.tenant_id = terms.tenant_id AND translation.version = terms.version
      ) AS terms_translations,
      tenants.default_language AS club_language,
      (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
          'id', audit.id::text,
          'ts', to_char(audit.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          'event_type', audit.event_type,
          'actor', audit.actor,
          'source', audit.source,
          'hash', encode(audit.hash, 'hex'),
          'previous_hash', encode(audit.previous_hash, 'hex')
        ) ORDER BY audit.id), '[]'::jsonb)
        FROM contract_audit_log AS audit, ended
        WHERE audit.tenant_id = sign.tenant_id AND audit.player_id = sign.player_id
          AND audit.id > ended.id AND audit.id <= sign.id
      ) AS trail
    FROM sign
    JOIN tenants ON tenants.id = sign.tenant_id
    JOIN players ON players.tenant_id = sign.tenant_id AND players.id = sign.player_id
    LEFT JOIN contract_terms AS terms
      ON terms.tenant_id = sign.tenant_id AND terms.version = (sign.new_state->>'contract_terms_version')::integer
  `);
  if (row === null) return null;
  const signed = signedSnapshot.parse(row.signed);
  const signedAt = new Date(signed.contract_signed_at);
  const signatures = (signed.signatures ?? []).map((signature) => ({
    role: signature.role ?? null,
    name: signature.name ?? null,
    signedBy: signature.signed_by ?? '',
    signedAt: signature.signed_at ? new Date(signature.signed_at) : signedAt,
    ip: signature.ip ?? null,
    userAgent: signature.user_agent ?? null,
    esignConsent: signature.esign_consent ?? null,
    // The disclosure's version is on the contract's columns: every signer was shown the service's one.
    disclosureVersion: signed.contract_disclosure_version ?? null,
    disclosureSha256: signature.disclosure_sha256 ?? null,
    termsVersion: signature.terms_version ?? null,
    termsSha256: signature.terms_sha256 ?? null,
  }));
  // The PDF is one document per contract, in the language of the signature that completed it (the
  // latest), else the club's; its terms as that signer read them: their translation, where one was
  // shown (docs/LANGUAGES.md).
  const completing = (signed.signatures ?? []).reduce<(typeof signed.signatures & object)[number] | null>(
    (latest, signature) => (latest === null || (signature.signed_at ?? '') > (latest.signed_at ?? '') ? signature : latest),
    null,
  );
  const language = completing?.language ?? row.club_language;
  const translation = completing?.terms_language ? row.terms_translations?.[completing.terms_language] : undefined;
  return {
    clubName: row.club_name,
    clubSlug: row.club_slug,
    timeZone: row.club_time_zone,
    playerName: row.player_name,
    teamNames: row.team_names,
    monthlyFee: signed.monthly_fee ?? 0,
    currency,
    contractVersion: signed.contract_version,
    signedAt,
    terms:
      row.terms_title === null || row.terms_version === null || row.terms_sha256 === null || row.terms_body === null
        ? null
        : translation !== undefined
          ? { ...translation, version: row.terms_version }
          : { title: row.terms_title, version: row.terms_version, sha256: row.terms_sha256, body: row.terms_body },
    language,
    // A contract signed before signers existed: its one signature is on the contract's columns.
    signatures:
      signatures.length > 0
        ? signatures
        : [
            {
              role: null,
              name: null,
              signedBy: signed.contract_signed_by ?? '',
              signedAt,
              ip: signed.contract_signed_ip,
              userAgent: signed.contract_signed_user_agent ?? null,
              esignConsent: signed.contract_esign_consent ?? null,
              disclosureVersion: signed.contract_disclosure_version ?? null,
              disclosureSha256: signed.contract_disclosure_sha256 ?? null,
              termsVersion: null,
              termsSha256: null,
            },
          ],
    trail: row.trail.map((audit) => ({
      id: audit.id,
      ts: audit.ts,
      eventType: audit.event_type,
      actor: audit.actor,
      source: audit.source,
      hash: audit.hash,
      previousHash: audit.previous_hash,
    })),
  };
}

export interface StoredReceipt {
  readonly pdf: Buffer;
  /** Hex. */
  readonly sha256: string;
  /** The `receipt` audit row. */
  readonly auditId: bigint;
}

/** The receipt recorded for the contract, or null. */
export async function readStoredReceipt(db: CommonQueryMethods, of: ReceiptOf): Promise<StoredReceipt | null> {
  const row = await db.maybeOne(sql.type(z.object({ pdf: z.instanceof(Buffer), sha256: z.string(), audit_id: z.bigint() }))`
    SELECT pdf, encode(sha256, 'hex') AS sha256, audit_id FROM contract_receipts
    WHERE tenant_id = ${of.tenantId} AND player_id = ${of.playerId} AND sign_audit_id = ${of.signAuditId}
  `);
  return row === null ? null : { pdf: row.pdf, sha256: row.sha256, auditId: row.audit_id };
}

/**
 * sql/record_contract_receipt: records the PDF and its `receipt` audit row, unless a receipt of the
 * contract is recorded already. Answers the recorded one's sha256 (the caller's when `recorded`).
 */
export async function recordReceipt(
  db: CommonQueryMethods,
  of: ReceiptOf,
  pdf: Buffer,
  by: { readonly actor: string; readonly source: string },
): Promise<{ readonly sha256: string; readonly auditId: bigint; readonly recorded: boolean }> {
  const sha256 = createHash('sha256').update(pdf).digest();
  const row = await db.one(sql.type(z.object({ audit_id: z.bigint(), sha256: z.string(), recorded: z.boolean() }))`
    SELECT audit_id, encode(sha256, 'hex') AS sha256, recorded FROM record_contract_receipt(
      ${of.tenantId}, ${of.playerId}, ${of.signAuditId}, ${sql.binary(sha256)}, ${sql.binary(pdf)}, ${by.actor}, ${by.source}
    )
  `);
  return { sha256: row.sha256, auditId: row.audit_id, recorded: row.recorded };
}

export interface FoundReceipt extends ReceiptOf {
  readonly clubSlug: string;
  readonly clubName: string;
  readonly playerName: string;
  readonly auditId: bigint;
  /** The `receipt` row's record of it, hex: what `receipt verify` compares the file with. */
  readonly recordedSha256: string;
}

/**
 * The receipt whose sha256 the audit chain records: found by the `receipt` row's new_state, which
 * the chain's hash covers (contract_receipts only keeps the bytes), in every club's log: a scan of
 * the receipt rows, for the CLI. Null when none.
 */
export async function findReceiptBySha256(db: CommonQueryMethods, sha256: string): Promise<FoundReceipt | null> {
  const row = await db.maybeOne(sql.type(
    z.object({
      tenant_id: z.number(),
      player_id: z.number(),
      sign_audit_id: z.bigint(),
      audit_id: z.bigint(),
      recorded_sha256: z.string(),
      club_slug: z.string(),
      club_name: z.string(),
      player_name: z.string(),
    }),
  )`
    SELECT audit.tenant_id, audit.player_id, (audit.new_state->>'receipt_of_audit_id')::bigint AS sign_audit_id,
           audit.id AS audit_id, audit.new_state->>'receipt_sha256' AS recorded_sha256,
           tenants.slug AS club_slug, tenants.name AS club_name, players.name AS player_name
    FROM contract_audit_log AS audit
    JOIN tenants ON tenants.id = audit.tenant_id
    JOIN players ON players.tenant_id = audit.tenant_id AND players.id = audit.player_id
    WHERE audit.event_type = 'receipt' AND audit.new_state->>'receipt_sha256' = ${sha256}
    ORDER BY audit.id
    LIMIT 1
  `);
  return row === null
    ? null
    : {
        tenantId: row.tenant_id,
        playerId: row.player_id,
        signAuditId: row.sign_audit_id,
        auditId: row.audit_id,
        recordedSha256: row.recorded_sha256,
        clubSlug: row.club_slug,
        clubName: row.club_name,
        playerName: row.player_name,
      };
}

/** Where the backfill of older contracts' receipts has got to: the audit log's key, in its order. */
export interface BackfillPosition {
  readonly tenantId: number;
  readonly auditId: bigint;
}

/**
 * The next `limit` completing `sign` rows after `after` without a receipt, in the audit log's key
 * order: a range of its primary key, so each batch reads only its own rows.
 */
export async function signRowsWithoutReceipt(
  db: CommonQueryMethods,
  after: BackfillPosition,
  limit: number,
): Promise<readonly ReceiptOf[]> {
  const rows = await db.any(sql.type(z.object({ tenant_id: z.number(), player_id: z.number(), id: z.bigint() }))`
    SELECT sign.tenant_id, sign.player_id, sign.id FROM contract_audit_log AS sign
    WHERE (sign.tenant_id, sign.id) > (${after.tenantId}, ${after.auditId.toString()}::bigint) AND sign.event_type = 'sign'
      AND NOT EXISTS (
        SELECT 1 FROM contract_receipts AS receipts
        WHERE receipts.tenant_id = sign.tenant_id AND receipts.player_id = sign.player_id AND receipts.sign_audit_id = sign.id
      )
    ORDER BY sign.tenant_id, sign.id
    LIMIT ${limit}
  `);
  return rows.map((row) => ({ tenantId: row.tenant_id, playerId: row.player_id, signAuditId: row.id }));
}
