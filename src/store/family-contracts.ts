import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { sourceStates } from '../../machines/evaluate.ts';
import { teamIdsOfPlayer } from './players.ts';

/** Contract terms as the family reads them: `sha256` (hex) is the hash of exactly `body`. */
export interface ContractTerms {
  readonly version: number;
  readonly title: string;
  readonly sha256: string;
  readonly body: string;
}

const termsColumns = {
  club_name: z.string().nullable(),
  terms_version: z.number().nullable(),
  terms_title: z.string().nullable(),
  terms_sha256: z.instanceof(Buffer).nullable(),
  terms_body: z.string().nullable(),
};

const termsOf = (row: {
  terms_version: number | null;
  terms_title: string | null;
  terms_sha256: Buffer | null;
  terms_body: string | null;
}) =>
  row.terms_version === null || row.terms_title === null || row.terms_sha256 === null || row.terms_body === null
    ? null
    : { version: row.terms_version, title: row.terms_title, sha256: row.terms_sha256.toString('hex'), body: row.terms_body };

const contractRow = z.object({
  superseded: z.boolean(),
  player_name: z.string().nullable(),
  team_ids: z.array(z.number()).nullable(),
  team_names: z.array(z.string()).nullable(),
  monthly_fee: z.number().nullable(),
  contract_status: z.enum(CONTRACT_STATUSES).nullable(),
  contract_version: z.string().nullable(),
  contract_signed_at: z.number().nullable(),
  contract_signed_by: z.string().nullable(),
  contract_declined_at: z.number().nullable(),
  ...termsColumns,
});

/** A contract as its family sees it through the link. */
export interface FamilyContract {
  readonly clubName: string;
  /** The terms the offer pinned, with their exact text; null when the club had none. */
  readonly terms: ContractTerms | null;
  readonly playerName: string;
  readonly teamIds: number[];
  readonly teamNames: string[];
  readonly monthlyFee: number;
  readonly status: 'offered' | 'declined' | 'signed';
  /** Set once signed: the version the family signed. */
  readonly signedVersion: string | null;
  readonly signedAt: number | null;
  readonly signedBy: string | null;
  readonly declinedAt: number | null;
}

export type ContractLink =
  | { readonly kind: 'current'; readonly contract: FamilyContract }
  /** A replaced link still names its club, so the page can say whom to ask. */
  | { readonly kind: 'superseded'; readonly clubName: string | null }
  | { readonly kind: 'unknown' };

/**
 * What a family's link opens. One round trip: the token's club from the routing index
 * (contract_links), then that club's live tokens and replaced ones. A token with no route probes
 * both under club id 0, which no club has, so an unknown token and a replaced one take the same work.
 */
export async function findContractByToken(db: CommonQueryMethods, token: string): Promise<ContractLink> {
  const row = await db.one(sql.type(contractRow)`
    SELECT
      EXISTS (
        SELECT 1 FROM superseded_contract_tokens
        WHERE superseded_contract_tokens.tenant_id = route.tenant_id AND superseded_contract_tokens.token = ${token}
      ) AS superseded,
      players.name AS player_name,
      CASE WHEN players.id IS NOT NULL THEN ${teamIdsOfPlayer} END AS team_ids,
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
      terms.version AS terms_version,
      terms.title AS terms_title,
      terms.sha256 AS terms_sha256,
      terms.body AS terms_body
    FROM (
      SELECT coalesce((SELECT contract_links.tenant_id FROM contract_links WHERE contract_links.token = ${token}), 0)
        AS tenant_id
    ) AS route
    LEFT JOIN tenants ON tenants.id = route.tenant_id
    LEFT JOIN players ON players.tenant_id = route.tenant_id AND players.contract_token = ${token}
    LEFT JOIN contract_terms AS terms ON terms.tenant_id = players.tenant_id AND terms.version = players.contract_terms_version
  `);
  if (row.contract_status === null || row.contract_status === 'none') {
    return row.superseded ? { kind: 'superseded', clubName: row.club_name } : { kind: 'unknown' };
  }
  return {
    kind: 'current',
    contract: {
      clubName: row.club_name ?? '',
      terms: termsOf(row),
      playerName: row.player_name ?? '',
      teamIds: row.team_ids ?? [],
      teamNames: row.team_names ?? [],
      monthlyFee: row.monthly_fee ?? 0,
      status: row.contract_status,
      signedVersion: row.contract_version,
      signedAt: row.contract_signed_at,
      signedBy: row.contract_signed_by,
      declinedAt: row.contract_declined_at,
    },
  };
}

/** What the link shows after the family's answer, and the state it was given in. */
export type AnsweredContract = Pick<
  FamilyContract,
  'clubName' | 'terms' | 'playerName' | 'teamNames' | 'monthlyFee' | 'status' | 'signedVersion'
> & {
  readonly previousStatus: ContractStatus;
};

const answeredRow = z.object({
  previous_status: z.enum(CONTRACT_STATUSES),
  contract_status: z.enum(['offered', 'declined', 'signed']),
  player_name: z.string(),
  team_names: z.array(z.string()),
  monthly_fee: z.number(),
  contract_version: z.string().nullable(),
  ...termsColumns,
});

const answered = (row: z.infer<typeof answeredRow>): AnsweredContract => ({
  clubName: row.club_name ?? '',
  terms: termsOf(row),
  previousStatus: row.previous_status,
  status: row.contract_status,
  playerName: row.player_name,
  teamNames: row.team_names,
  monthlyFee: row.monthly_fee,
  signedVersion: row.contract_version,
});

export interface Signature {
  readonly token: string;
  readonly signedBy: string;
  readonly signatureUrl: string | null;
  readonly ip: string | null;
  readonly contractVersion: string;
}

/**
 * The whole SIGN transition in one round trip: one call of sql/sign_contract, which applies the
 * machine's judgement (the states it takes SIGN from; by default machines/evaluate.ts sourceStates)
 * under the row lock.
 */
export async function signContract(
  db: CommonQueryMethods,
  signature: Signature,
  allowedFrom: readonly ContractStatus[] = sourceStates({ type: 'SIGN' }),
): Promise<AnsweredContract> {
  return answered(
    await db.one(sql.type(answeredRow)`
      SELECT previous_status, contract_status, player_name, team_names, monthly_fee, contract_version,
             club_name, terms_version, terms_title, terms_sha256, terms_body
      FROM sign_contract(
        ${signature.token}, ${signature.signedBy}, ${signature.signatureUrl}, ${signature.ip}::inet,
        ${signature.contractVersion}, ${sql.array(allowedFrom, 'text')}
      )
    `),
  );
}

/** The whole DECLINE transition in one round trip: one call of sql/decline_contract. */
export async function declineContract(
  db: CommonQueryMethods,
  token: string,
  allowedFrom: readonly ContractStatus[] = sourceStates({ type: 'DECLINE' }),
): Promise<AnsweredContract> {
  return answered(
    await db.one(sql.type(answeredRow)`
      SELECT previous_status, contract_status, player_name, team_names, monthly_fee, contract_version,
             club_name, terms_version, terms_title, terms_sha256, terms_body
      FROM decline_contract(${token}, ${sql.array(allowedFrom, 'text')})
    `),
  );
}
