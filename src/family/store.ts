import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { sourceStates } from '../../machines/evaluate.ts';
import { teamIdsOfPlayer } from '../players/store.ts';
import { type StoredSigner, storedSigners } from '../signers/schemas.ts';

/**
 * Contract terms as the family reads them: `sha256` (hex) is the hash of exactly `body`; `language`
 * the language it is in (null: not said).
 */
export const familyTerms = z.object({
  version: z.number().int(),
  title: z.string(),
  sha256: z.string(),
  body: z.string(),
  language: z.string().nullable(),
});
export type ContractTerms = z.infer<typeof familyTerms>;

/** A version's translations with their text, by language (sql/contract_terms_translations). */
const termsTranslations = z
  .record(z.object({ title: z.string(), sha256: z.string(), body: z.string() }))
  .nullish()
  .transform((translations) => translations ?? {});

const termsColumns = {
  club_name: z.string().nullable(),
  terms_version: z.number().nullable(),
  terms_title: z.string().nullable(),
  terms_sha256: z.instanceof(Buffer).nullable(),
  terms_body: z.string().nullable(),
};

/** What the link's read adds to the terms: the language of their text, and their translations. */
const termsLanguageColumns = {
  terms_language: z.string().nullable(),
  terms_translations: termsTranslations,
};

/** The terms as they read in `language`: its translation where the version has one, else their own text. */
export function termsIn(terms: ContractTerms | null, translations: TermsTranslations, language: string): ContractTerms | null {
  const translation = translations[language];
  if (terms === null || translation === undefined) return terms;
  return { version: terms.version, title: translation.title, sha256: translation.sha256, body: translation.body, language };
}
export type TermsTranslations = z.output<typeof termsTranslations>;

/** The terms' columns of a row, as one `terms` field (null when the offer pinned none). */
function withTerms<
  Row extends {
    terms_version: number | null;
    terms_title: string | null;
    terms_sha256: Buffer | null;
    terms_body: string | null;
    terms_language?: string | null;
    club_name: string | null;
  },
>(row: Row) {
  const {
    terms_version: version,
    terms_title: title,
    terms_sha256: sha256,
    terms_body: body,
    terms_language: language,
    club_name,
    ...rest
  } = row;
  return {
    ...rest,
    club_name: club_name ?? '',
    terms:
      version === null || title === null || sha256 === null || body === null
        ? null
        : { version, title, sha256: sha256.toString('hex'), body, language: language ?? null },
  };
}

/**
 * A contract as its family sees it through the link: the answer of GET /contract/{token}
 * (family/schemas.ts extends it) and what the page shows.
 */
export const familyContract = z.object({
  club_name: z.string(),
  /** The terms the offer pinned, with their exact text; null when the club had none. */
  terms: familyTerms.nullable(),
  player_name: z.string(),
  team_names: z.array(z.string()),
  monthly_fee: z.number().int(),
  status: z.enum(['offered', 'declined', 'signed']),
  /** Set once signed: the version the family signed. */
  contract_version: z.string().nullable(),
});

/**
 * What the page shows besides the answer: when and by whom the contract was answered, whom to ask
 * (the club's contact e-mail, or null), and the club's time zone, which the page's times are shown in.
 */
export type FamilyContract = z.infer<typeof familyContract> & {
  /** Who signs the offer (docs/PRODUCT.md, "Who signs"), links included: the answer shows each reader what is theirs. */
  readonly signers: readonly StoredSigner[];
  readonly contract_signed_at: number | null;
  readonly contract_signed_by: string | null;
  readonly contract_declined_at: number | null;
  readonly club_contact_email: string | null;
  readonly club_time_zone: string;
  /** The club's default_language (docs/LANGUAGES.md). */
  readonly club_language: string | null;
  /** The pinned terms' translations, by language, with their text. */
  readonly terms_translations: TermsTranslations;
};

/** The club as a page of a link that opens no contract names it: who it is, whom to ask, its language. */
export interface FamilyClub {
  readonly name: string;
  readonly contactEmail: string | null;
  readonly language: string | null;
}

const contractRow = z.object({
  held_no_more: z.boolean(),
  recorded_replaced: z.boolean(),
  player_name: z.string().nullable(),
  team_names: z.array(z.string()).nullable(),
  monthly_fee: z.number().nullable(),
  contract_status: z.enum(CONTRACT_STATUSES).nullable(),
  contract_version: z.string().nullable(),
  contract_signed_at: z.number().nullable(),
  contract_signed_by: z.string().nullable(),
  contract_declined_at: z.number().nullable(),
  club_contact_email: z.string().nullable(),
  club_time_zone: z.string().nullable(),
  club_language: z.string().nullable(),
  signers: storedSigners,
  ...termsColumns,
  ...termsLanguageColumns,
});

export type ContractLink =
  | { readonly kind: 'current'; readonly contract: FamilyContract }
  /** A replaced link still names its club, so the page can say whom to ask. */
  | { readonly kind: 'superseded'; readonly club: FamilyClub | null }
  /** The club withdrew the offer, or it expired unsigned: the link answers 410 with its own code. */
  | { readonly kind: 'closed'; readonly status: 'withdrawn' | 'expired'; readonly club: FamilyClub | null }
  | { readonly kind: 'unknown' };

/**
 * A link's route (contract_links): its club and player, or 0 and 0, which no club or player has, so
 * an unknown token is looked up like a known one.
 */
function routeOf(token: string) {
  return sql.fragment`
    SELECT coalesce(links.tenant_id, 0) AS tenant_id, coalesce(links.player_id, 0) AS player_id
    FROM (SELECT) AS one LEFT JOIN contract_links AS links ON links.token = ${token}
  `;
}

/**
 * Whether the routed player (`players`) still holds the link: as its own token, or as one of its
 * offer's other signers' (contract_signers).
 */
function holdsLink(token: string) {
  return sql.fragment`(
    players.contract_token = ${token}
    OR EXISTS (
      SELECT 1 FROM contract_signers AS signer
      WHERE signer.tenant_id = players.tenant_id AND signer.token = ${token} AND signer.player_id = players.id
    )
  )`;
}

/**
 * Whether the routed link was replaced by an offer: its player is still there, but the join with
 * {@link holdsLink} found that it holds the link no more. Every token ever minted stays routed
 * (contract_links), so that is a replaced link; a deleted player's links are unknown.
 */
const heldNoMore = sql.fragment`(
  players.id IS NULL AND EXISTS (
    SELECT 1 FROM players AS routed WHERE routed.tenant_id = route.tenant_id AND routed.id = route.player_id
  )
)`;

/**
 * Whether the previous release recorded the link as replaced, as offers did before migration 0069.
 * Read until no release that writes superseded_contract_tokens runs (docs/OPERATING.md, "A breaking
 * change").
 */
function recordedReplaced(token: string) {
  return sql.fragment`EXISTS (
    SELECT 1 FROM superseded_contract_tokens
    WHERE superseded_contract_tokens.tenant_id = route.tenant_id AND superseded_contract_tokens.token = ${token}
  )`;
}

/**
 * What a family's link opens. One round trip: the token's club and player from the routing index
 * (contract_links), then that player if it still holds the token, else whether the link was
 * replaced. Each of the two probes by key is a column of its own, so both run for any dead link: an
 * unknown token and a replaced one take the same work.
 */
export async function findContractByToken(db: CommonQueryMethods, token: string): Promise<ContractLink> {
  const row = await db.one(sql.type(contractRow)`
    SELECT
      ${heldNoMore} AS held_no_more,
      ${recordedReplaced(token)} AS recorded_replaced,
      players.name AS player_name,
      CASE WHEN players.id IS NOT NULL THEN ARRAY(
        SELECT teams.name FROM player_teams
        JOIN teams ON teams.tenant_id = player_teams.tenant_id AND teams.id = player_teams.team_id
        WHERE player_teams.tenant_id = players.tenant_id AND player_teams.player_id = players.id
        ORDER BY teams.name
      ) END AS team_names,
      players.monthly_fee,
      players.contract_status,
      players.contract_version,
      players.contract_signed_at,
      players.contract_signed_by,
      players.contract_declined_at,
      tenants.name AS club_name,
      tenants.contact_email AS club_contact_email,
      tenants.time_zone AS club_time_zone,
      tenants.default_language AS club_language,
      CASE WHEN players.id IS NOT NULL THEN list_contract_signers(players) END AS signers,
      terms.version AS terms_version,
      terms.title AS terms_title,
      terms.sha256 AS terms_sha256,
      terms.body AS terms_body,
      terms.language AS terms_language,
      (
        SELECT jsonb_object_agg(translation.language, jsonb_build_object(
          'title', translation.title, 'sha256', encode(translation.sha256, 'hex'), 'body', translation.body
        ))
        FROM contract_terms_translations AS translation
        WHERE translation.tenant_id = terms.tenant_id AND translation.version = terms.version
      ) AS terms_translations
    FROM (${routeOf(token)}) AS route
    LEFT JOIN tenants ON tenants.id = route.tenant_id
    LEFT JOIN players ON players.tenant_id = route.tenant_id AND players.id = route.player_id
      AND ${holdsLink(token)}
    LEFT JOIN contract_terms AS terms ON terms.tenant_id = players.tenant_id AND terms.version = players.contract_terms_version
  `);
  const club =
    row.club_name === null ? null : { name: row.club_name, contactEmail: row.club_contact_email, language: row.club_language };
  if (row.contract_status === null || row.contract_status === 'none') {
    return row.held_no_more || row.recorded_replaced ? { kind: 'superseded', club } : { kind: 'unknown' };
  }
  if (row.contract_status === 'withdrawn' || row.contract_status === 'expired') {
    return { kind: 'closed', status: row.contract_status, club };
  }
  const { held_no_more: _held, recorded_replaced: _recorded, contract_status: _status, ...contract } = withTerms(row);
  return {
    kind: 'current',
    contract: {
      ...contract,
      club_time_zone: contract.club_time_zone ?? 'UTC',
      status: row.contract_status,
      player_name: contract.player_name ?? '',
      team_names: contract.team_names ?? [],
      monthly_fee: contract.monthly_fee ?? 0,
    },
  };
}

/**
 * A signed contract as its receipt shows it: what was signed, by whom, when and from where.
 * `signed_ip` is null when it was not recorded; `replaced_at` is set once a tier change replaced it.
 */
const signedRow = z.object({
  /** The contract's player and its completing `sign` audit row: what its receipt PDF is of (src/receipts). */
  tenant_id: z.number(),
  player_id: z.number(),
  /** Null for a contract an operator's override made signed: it has no `sign` row. */
  sign_audit_id: z.bigint().nullable(),
  club_name: z.string(),
  /** Whom to ask; null when the club gave none. */
  club_contact_email: z.string().nullable(),
  /** The zone the receipt's readable times are shown in. */
  club_time_zone: z.string(),
  club_language: z.string().nullable(),
  /** The language of the link's own signer; null: none of their own, or their offer was replaced since. */
  signer_language: z.string().nullable(),
  player_name: z.string(),
  team_names: z.array(z.string()),
  monthly_fee: z.number(),
  signed_at: z.number(),
  signed_by: z.string(),
  signed_ip: z.string().nullable(),
  signature_url: z.string().nullable(),
  /** The signature's evidence (docs/PRODUCT.md, "Evidence"); null where it was not recorded. */
  esign_consent: z.boolean().nullable(),
  disclosure_version: z.string().nullable(),
  disclosure_sha256: z.string().nullable(),
  user_agent: z.string().nullable(),
  /** CONTRACT_VERSION as recorded at signing. */
  contract_version: z.string().nullable(),
  terms_version: z.number().nullable(),
  terms_title: z.string().nullable(),
  terms_sha256: z.string().nullable(),
  replaced_at: z.number().nullable(),
  /** Every signature of the contract, in signer order (the audit snapshot's `signatures`); none recorded before signers. */
  signatures: z
    .array(
      z.object({
        role: z.enum(['guardian', 'player']),
        name: z.string(),
        signed_by: z.string(),
        signed_at: z.string(),
        ip: z.string().nullable(),
        user_agent: z.string().nullable(),
        esign_consent: z.boolean().nullable(),
      }),
    )
    .nullable()
    .transform((signatures) => signatures ?? []),
});

/** The signed contract, its terms as one field (their text is not needed: the hash binds it). */
export type SignedContract = Omit<z.infer<typeof signedRow>, 'terms_version' | 'terms_title' | 'terms_sha256'> & {
  readonly terms: Omit<ContractTerms, 'body' | 'language'> | null;
};

/**
 * The signed contract a link stands for: the player's current one, or the one a tier change
 * replaced, read from that change's audit row, whose old_state holds the whole signed contract
 * (docs/PRODUCT.md, "What the audit log keeps"). Both are read as the same snapshot, so a receipt
 * says the same before and after the change. Routed like findContractByToken; the replaced token
 * names its player, whose audit rows the (tenant_id, player_id, id) index finds. Null when the link
 * stands for no signed contract.
 */
export async function findSignedContract(db: CommonQueryMethods, token: string): Promise<SignedContract | null> {
  const row = await db.maybeOne(sql.type(signedRow)`
    WITH route AS (${routeOf(token)}),
    replaced AS (
      SELECT route.tenant_id, route.player_id, links.minted_at, legacy.superseded_at
      FROM route
      JOIN contract_links AS links ON links.token = ${token}
      LEFT JOIN players ON players.tenant_id = route.tenant_id AND players.id = route.player_id AND ${holdsLink(token)}
      LEFT JOIN superseded_contract_tokens AS legacy ON legacy.tenant_id = route.tenant_id AND legacy.token = ${token}
      WHERE ${heldNoMore} OR ${recordedReplaced(token)}
    ),
    signed AS (
      SELECT players.tenant_id, players.id AS player_id, snapshot_contract(players, ${teamIdsOfPlayer}) AS contract,
             NULL::timestamptz AS replaced_at,
             (SELECT max(audit.id) FROM contract_audit_log AS audit
              WHERE audit.tenant_id = players.tenant_id AND audit.player_id = players.id AND audit.event_type = 'sign') AS sign_audit_id
      FROM route
      JOIN players ON players.tenant_id = route.tenant_id AND players.id = route.player_id
        AND ${holdsLink(token)}
      WHERE players.contract_status = 'signed'
      UNION ALL
      SELECT tier_change.tenant_id, tier_change.player_id, tier_change.old_state, tier_change.ts,
             (SELECT max(audit.id) FROM contract_audit_log AS audit
              WHERE audit.tenant_id = tier_change.tenant_id AND audit.player_id = tier_change.player_id
                AND audit.event_type = 'sign' AND audit.id < tier_change.id) AS sign_audit_id
      FROM replaced
      CROSS JOIN LATERAL (
        SELECT contract_audit_log.tenant_id, contract_audit_log.player_id, contract_audit_log.old_state, contract_audit_log.ts,
               contract_audit_log.id
        FROM contract_audit_log
        WHERE contract_audit_log.tenant_id = replaced.tenant_id AND contract_audit_log.player_id = replaced.player_id
          AND contract_audit_log.event_type = 'tier_change'
          -- The player's own link is in the snapshot. Another signer's was minted with the contract,
          -- at its offer's now() (contract_links.minted_at); the previous release recorded it as
          -- replaced in the same transaction as the tier change wrote its row, at the same now().
          AND (
            contract_audit_log.old_state->>'contract_token' = ${token}
            OR (contract_audit_log.old_state->>'contract_offered_at')::timestamptz = replaced.minted_at
            OR contract_audit_log.ts = replaced.superseded_at
          )
          AND contract_audit_log.old_state->>'contract_status' = 'signed'
        ORDER BY contract_audit_log.id DESC
        LIMIT 1
      ) AS tier_change
    )
    SELECT
      signed.tenant_id,
      signed.player_id,
      signed.sign_audit_id,
      tenants.name AS club_name,
      tenants.contact_email AS club_contact_email,
      tenants.time_zone AS club_time_zone,
      tenants.default_language AS club_language,
      (
        SELECT coalesce(signer.language, CASE WHEN signer.role = 'player' THEN players.language END)
        FROM contract_signers AS signer
        WHERE signer.tenant_id = signed.tenant_id AND signer.player_id = signed.player_id AND signer.token = ${token}
      ) AS signer_language,
      players.name AS player_name,
      ARRAY(
        SELECT teams.name FROM teams
        WHERE teams.tenant_id = signed.tenant_id
          AND teams.id IN (SELECT jsonb_array_elements_text(signed.contract->'team_ids')::integer)
        ORDER BY teams.name
      ) AS team_names,
      (signed.contract->>'monthly_fee')::integer AS monthly_fee,
      (signed.contract->>'contract_signed_at')::timestamptz AS signed_at,
      signed.contract->>'contract_signed_by' AS signed_by,
      signed.contract->>'contract_signed_ip' AS signed_ip,
      signed.contract->>'contract_signature_url' AS signature_url,
      (signed.contract->>'contract_esign_consent')::boolean AS esign_consent,
      signed.contract->>'contract_disclosure_version' AS disclosure_version,
      signed.contract->>'contract_disclosure_sha256' AS disclosure_sha256,
      signed.contract->>'contract_signed_user_agent' AS user_agent,
      signed.contract->>'contract_version' AS contract_version,
      terms.version AS terms_version,
      terms.title AS terms_title,
      signed.contract->>'contract_terms_sha256' AS terms_sha256,
      signed.replaced_at,
      signed.contract->'signatures' AS signatures
    FROM signed
    JOIN tenants ON tenants.id = signed.tenant_id
    JOIN players ON players.tenant_id = signed.tenant_id AND players.id = signed.player_id
    LEFT JOIN contract_terms AS terms
      ON terms.tenant_id = signed.tenant_id AND terms.version = (signed.contract->>'contract_terms_version')::integer
  `);
  if (row === null) return null;
  const { terms_version: version, terms_title: title, terms_sha256: sha256, ...signed } = row;
  return { ...signed, terms: version === null || title === null || sha256 === null ? null : { version, title, sha256 } };
}

export const answeredRow = z.object({
  tenant_id: z.number(),
  player_id: z.number(),
  /** The `sign` or `decline` audit row. */
  audit_id: z.bigint(),
  previous_status: z.enum(CONTRACT_STATUSES),
  contract_status: z.enum(['offered', 'declined', 'signed']),
  player_name: z.string(),
  team_names: z.array(z.string()),
  monthly_fee: z.number(),
  contract_version: z.string().nullable(),
  ...termsColumns,
  /** The signer who answered; null on the previous release's calls. */
  signer_id: z.number().int().nullable(),
  signers: storedSigners,
});

/** What the link shows after the family's answer, and the state it was given in. */
export type AnsweredContract = z.infer<typeof familyContract> & {
  readonly previous_status: ContractStatus;
  readonly signers: readonly StoredSigner[];
  readonly club_language: string | null;
};

/** The answer, with the club's default_language read beside it, in the caller's transaction or after it. */
const answered = async (db: CommonQueryMethods, row: z.infer<typeof answeredRow>): Promise<AnsweredContract> => {
  const { contract_status: status, signer_id: _signer, ...contract } = withTerms(row);
  const clubLanguage = await db.oneFirst(sql.type(z.object({ language: z.string().nullable() }))`
    SELECT default_language AS language FROM tenants WHERE id = ${row.tenant_id}
  `);
  return { ...contract, status, club_language: clubLanguage };
};

/** What a signature records besides who signed (docs/PRODUCT.md, "Evidence"). */
export interface SignatureEvidence {
  /** Whether the signer consented to sign electronically; null when the client did not say. */
  readonly esignConsent: boolean | null;
  /** The e-sign disclosure shown: its version and the sha256 (hex) of its text. */
  readonly disclosure: { readonly version: string; readonly sha256: string } | null;
  readonly userAgent: string | null;
}

export interface Signature {
  readonly token: string;
  readonly signedBy: string;
  readonly signatureUrl: string | null;
  readonly ip: string | null;
  readonly contractVersion: string;
  /** Absent: none recorded, as a call made without it. */
  readonly evidence?: SignatureEvidence;
  /** The language the terms were read in: its translation's sha256 is recorded where there is one. */
  readonly termsLanguage?: string | null;
}

/**
 * The whole SIGN transition in one round trip: one call of sql/sign_contract_as_signer, which applies the
 * machine's judgement (the states it takes SIGN from; by default machines/evaluate.ts sourceStates)
 * under the row lock.
 */
export async function signContract(
  db: CommonQueryMethods,
  signature: Signature,
  allowedFrom: readonly ContractStatus[] = sourceStates({ type: 'SIGN' }),
): Promise<AnsweredContract> {
  const evidence = signature.evidence ?? { esignConsent: null, disclosure: null, userAgent: null };
  return answered(
    db,
    await db.one(sql.type(answeredRow)`
      SELECT * FROM sign_contract_as_signer(
        ${signature.token}, ${signature.signedBy}, ${signature.signatureUrl}, ${signature.ip}::inet,
        ${signature.contractVersion}, ${sql.array(allowedFrom, 'text')}, ${evidence.esignConsent},
        ${evidence.disclosure?.version ?? null},
        ${evidence.disclosure === null ? null : sql.binary(Buffer.from(evidence.disclosure.sha256, 'hex'))},
        ${evidence.userAgent}, ${signature.termsLanguage ?? null}
      )
    `),
  );
}

/** The whole DECLINE transition in one round trip: one call of sql/decline_contract_as_signer. */
export async function declineContract(
  db: CommonQueryMethods,
  token: string,
  allowedFrom: readonly ContractStatus[] = sourceStates({ type: 'DECLINE' }),
): Promise<AnsweredContract> {
  return answered(
    db,
    await db.one(sql.type(answeredRow)`
      SELECT * FROM decline_contract_as_signer(${token}, ${sql.array(allowedFrom, 'text')})
    `),
  );
}
