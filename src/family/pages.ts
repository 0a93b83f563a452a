import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { ErrorCode } from '../errors.ts';
import { formatIsoTime, formatMonthlyFee, formatReadableTime, listOfNames } from '../formatting.ts';
import type { FamilyClub, FamilyContract, SignedContract } from './store.ts';
import { ESIGN_DISCLOSURE } from './esign-disclosure.ts';
import { familySigners } from '../signers/schemas.ts';
import type { TermsHtml } from '../terms/terms-html-cache.ts';

export const VIEWS = fileURLToPath(new URL('../http/views/', import.meta.url));

/** What a form post came back with, carried in the query string of the page it redirects to. */
export type FormOutcome = 'signed' | 'declined' | 'name_missing' | 'agreement_missing' | 'consent_missing';

/**
 * The pages' links are relative, so they work behind a proxy that adds a path prefix. `root` is the
 * way from the page's own URL back to the service's root: `../` from /contract/<token>, `../../`
 * from /contract/<token>/receipt.
 */
export interface FamilyPages {
  /** At /contract/<token>. */
  contract(token: string, contract: FamilyContract, outcome: FormOutcome | null): string;
  /**
   * A link a newer offer replaced: whom to ask for the newest one, and — when a tier change replaced
   * a signed contract — what was signed, with its receipt.
   */
  replaced(token: string, club: FamilyClub | null, signed: SignedContract | null, root: string): string;
  /** At /contract/<token>/receipt: the printable record of a signature. */
  receipt(token: string, signed: SignedContract): string;
  /**
   * The page for a request that failed: what happened, and what the family can do about it; with the
   * club, when the link names one (withdrawn, expired), whom to ask.
   */
  error(code: ErrorCode, message: string, root: string, club?: FamilyClub | null): string;
}

/** What a browser is told when a link opens no contract, or the client must slow down. */
const LINK_PAGES: Partial<Record<ErrorCode, { title: string; message: string }>> = {
  contract_not_found: {
    title: 'We can’t find this contract',
    message:
      'Check that you opened the whole link from the club’s e-mail. If it still does not work, ask the club to send it again.',
  },
  contract_not_signed: {
    title: 'No receipt: this contract is not signed',
    message: 'A receipt is there once the contract is signed. Open the link from the club’s e-mail to read and sign it.',
  },
  receipt_pending: {
    title: 'The PDF is being made',
    message: 'The sealed PDF of this contract is made right after the last signature. Reload this page in a few seconds.',
  },
  receipt_unavailable: {
    title: 'No PDF receipt for this contract',
    message:
      'The club recorded this contract as signed itself; it was not signed through a link, so there is no sealed PDF of it. The receipt page shows what is recorded.',
  },
  contract_withdrawn: {
    title: 'The club withdrew this offer',
    message: 'This link no longer opens a contract. If you expected one, ask the club; it can send a new offer.',
  },
  contract_expired: {
    title: 'This offer has expired',
    message: 'It was not signed in time. Ask the club for a new offer if you still want the contract.',
  },
  too_many_requests: {
    title: 'Please wait a moment',
    message:
      'Many links that open no contract were tried from your network in a short time. Check that the link is the one in the club’s latest e-mail, wait a few seconds, then reload this page.',
  },
};

/**
 * The family's pages (docs/PRODUCT.md, "Family links" and "What the family signs"): server-rendered,
 * no JavaScript, every value escaped by Eta; the terms' Markdown alone comes in as HTML, sanitised
 * by terms-html.ts.
 */
export function createFamilyPages(options: { contractVersion: string; currency: string; termsHtml: TermsHtml }): FamilyPages {
  const eta = new Eta({ views: VIEWS, autoEscape: true, cache: true });
  // Times in the club's zone, named with its offset (docs/PRODUCT.md, "The club's settings").
  const formatTime = (epochMs: number | null, timeZone: string) =>
    epochMs === null ? '' : formatReadableTime(epochMs, timeZone);
  const fee = (monthlyFee: number) => formatMonthlyFee(monthlyFee, options.currency);

  /** A signed contract as the receipt and the replaced page show it. */
  const signedView = (signed: SignedContract) => ({
    clubName: signed.club_name,
    clubContactEmail: signed.club_contact_email,
    playerName: signed.player_name,
    teamNames: signed.team_names,
    monthlyFee: fee(signed.monthly_fee),
    signedBy: signed.signed_by,
    signedAt: formatReadableTime(signed.signed_at, signed.club_time_zone),
    signedAtIso: formatIsoTime(signed.signed_at),
    signedIp: signed.signed_ip,
    signatureUrl: signed.signature_url,
    esignConsent: signed.esign_consent,
    disclosure:
      signed.disclosure_version === null ? null : { version: signed.disclosure_version, sha256: signed.disclosure_sha256 },
    userAgent: signed.user_agent,
    contractVersion: signed.contract_version,
    terms: signed.terms,
    replacedOn: formatTime(signed.replaced_at, signed.club_time_zone),
    signatures: signed.signatures.map((signature) => ({
      role: signature.role === 'guardian' ? 'Parent or guardian' : 'Player',
      name: signature.name,
      signedBy: signature.signed_by,
      signedAt: formatReadableTime(Date.parse(signature.signed_at), signed.club_time_zone),
      signedAtIso: formatIsoTime(Date.parse(signature.signed_at)),
      ip: signature.ip,
      esignConsent: signature.esign_consent,
      userAgent: signature.user_agent,
    })),
  });

  return {
    contract: (token, contract, outcome) => {
      const signers = signersView(contract, token);
      return eta.render('./contract', {
        title: `${contract.club_name}: contract for ${contract.player_name}`,
        assetsPath: '../assets',
        token,
        clubName: contract.club_name,
        clubContactEmail: contract.club_contact_email,
        playerName: contract.player_name,
        teamNames: contract.team_names,
        monthlyFee: fee(contract.monthly_fee),
        contractVersion: contract.contract_version ?? options.contractVersion,
        terms: contract.terms === null ? null : { ...contract.terms, html: options.termsHtml(contract.terms) },
        status: contract.status,
        ...signers,
        signedBy: contract.contract_signed_by,
        signedAt: formatTime(contract.contract_signed_at, contract.club_time_zone),
        declinedAt: formatTime(contract.contract_declined_at, contract.club_time_zone),
        disclosure: {
          ...ESIGN_DISCLOSURE,
          html: options.termsHtml({ sha256: ESIGN_DISCLOSURE.sha256, body: ESIGN_DISCLOSURE.text }),
        },
        notice: notice(contract, signers.signedAndWaiting, outcome),
        error: problem(contract, outcome),
      });
    },
    replaced: (token, club, signed, root) =>
      eta.render('./replaced', {
        title: signed === null ? 'This offer has been replaced' : 'This contract was replaced',
        assetsPath: `${root}assets`,
        receiptPath: `${root}contract/${token}/receipt`,
        clubName: club?.name ?? null,
        clubContactEmail: club?.contactEmail ?? null,
        signed: signed === null ? null : signedView(signed),
      }),
    receipt: (token, signed) =>
      eta.render('./receipt', {
        title: `${signed.club_name}: receipt for the contract of ${signed.player_name}`,
        assetsPath: '../../assets',
        contractPath: `../${token}`,
        // Relative to /contract/<token>/receipt, as every link of the pages.
        pdfPath: 'receipt.pdf',
        sealed: signed.sign_audit_id !== null,
        ...signedView(signed),
      }),
    error: (code, message, root, club = null) => {
      const page = LINK_PAGES[code] ?? { title: 'Something went wrong', message };
      return eta.render('./message', {
        title: page.title,
        message: page.message,
        assetsPath: `${root}assets`,
        clubName: club?.name ?? null,
        clubContactEmail: club?.contactEmail ?? null,
      });
    },
  };
}

/**
 * Who signs, as the link shows it (docs/PRODUCT.md, "Who signs"): its own signer, and — when there is
 * more than one — every signer's name, role and standing, never their e-mail or link.
 */
function signersView(contract: FamilyContract, token: string) {
  const { signer } = familySigners(contract.signers, token);
  const awaited = contract.signers.filter((other) => other.status === 'pending').map((other) => other.name);
  return {
    signerRole: signer.role,
    /** This link's signer has signed an offer that still waits for others. */
    signedAndWaiting: contract.status === 'offered' && signer.status === 'signed',
    awaited: listOfNames(awaited),
    signers:
      contract.signers.length > 1
        ? contract.signers.map((other) => ({
            name: other.name,
            role: other.role === 'guardian' ? 'Parent or guardian' : 'Player',
            standing:
              other.status === 'signed' && other.signed_at !== null
                ? `Signed ${formatReadableTime(other.signed_at, contract.club_time_zone)}`
                : other.status === 'declined'
                  ? 'Declined'
                  : 'Not signed yet',
            own: other.token === token,
          }))
        : [],
  };
}

function notice(contract: FamilyContract, signedAndWaiting: boolean, outcome: FormOutcome | null): string | null {
  if (outcome === 'signed' && contract.status === 'signed') return 'Thank you. The contract is signed.';
  if (outcome === 'signed' && signedAndWaiting) return 'Thank you. Your signature is recorded.';
  if (outcome === 'declined' && contract.status === 'declined') return 'Your answer is recorded: you declined the offer.';
  return null;
}

function problem(contract: FamilyContract, outcome: FormOutcome | null): string | null {
  if (contract.status !== 'offered') return null;
  if (outcome === 'name_missing') return 'Type your full name to sign.';
  if (outcome === 'agreement_missing') return 'Tick the box to confirm that you agree.';
  if (outcome === 'consent_missing') return 'Tick the box to agree to sign electronically, or ask the club for a paper copy.';
  return null;
}
