import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { ErrorCode } from '../errors.ts';
import { formatIsoTime, formatMonthlyFee, formatReadableTime, listOfNames } from '../formatting.ts';
import { type FamilyClub, type FamilyContract, type SignedContract, termsIn } from './store.ts';
import { esignDisclosure } from './esign-disclosure.ts';
import { LANGUAGES } from '../i18n/catalogs.ts';
import { type Translator, translator } from '../i18n/translator.ts';
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
  contract(token: string, contract: FamilyContract, outcome: FormOutcome | null, language: Translator): string;
  /**
   * A link a newer offer replaced: whom to ask for the newest one, and — when a tier change replaced
   * a signed contract — what was signed, with its receipt.
   */
  replaced(token: string, club: FamilyClub | null, signed: SignedContract | null, root: string, language: Translator): string;
  /** At /contract/<token>/receipt: the printable record of a signature. */
  receipt(token: string, signed: SignedContract, language: Translator): string;
  /**
   * The page for a request that failed: what happened, and what the family can do about it; with the
   * club, when the link names one (withdrawn, expired), whom to ask.
   */
  error(code: ErrorCode, message: string, root: string, language: Translator, club?: FamilyClub | null): string;
}

/** The error codes whose page says what happened in the family's words (catalog `page.error.<code>`). */
const LINK_PAGES = new Set<ErrorCode>([
  'contract_not_found',
  'contract_not_signed',
  'receipt_pending',
  'receipt_unavailable',
  'contract_withdrawn',
  'contract_expired',
  'too_many_requests',
]);

/**
 * The family's pages (docs/PRODUCT.md, "Family links" and "What the family signs"): server-rendered,
 * no JavaScript, every value escaped by Eta; the terms' Markdown alone comes in as HTML, sanitised
 * by terms-html.ts. Every word is the catalog's of the page's language (docs/LANGUAGES.md).
 */
export function createFamilyPages(options: { contractVersion: string; currency: string; termsHtml: TermsHtml }): FamilyPages {
  const eta = new Eta({ views: VIEWS, autoEscape: true, cache: true });

  /** What every page's layout needs: its language, the switcher, and the catalog's words. */
  const framing = (language: Translator) => ({
    t: language.t,
    html: language.html,
    lang: language.language,
    dir: language.t('language.direction'),
    languages: LANGUAGES.map((code) => ({
      code,
      name: translator(code).t('language.name'),
      current: code === language.language,
    })),
  });
  // Times in the club's zone, named with its offset (docs/PRODUCT.md, "The club's settings").
  const formatTime = (epochMs: number | null, timeZone: string, language: Translator) =>
    epochMs === null ? '' : formatReadableTime(epochMs, timeZone, language.locale);
  const fee = (monthlyFee: number, language: Translator) => formatMonthlyFee(monthlyFee, options.currency, language);
  const teams = (names: readonly string[], language: Translator) =>
    names.length > 0 ? names.join(', ') : language.t('format.noTeam');

  /** A signed contract as the receipt and the replaced page show it. */
  const signedView = (signed: SignedContract, language: Translator) => ({
    clubName: signed.club_name,
    clubContactEmail: signed.club_contact_email,
    playerName: signed.player_name,
    teamsLabel: language.t('format.teamsLabel', { count: signed.team_names.length }),
    teams: teams(signed.team_names, language),
    teamNames: signed.team_names,
    monthlyFee: fee(signed.monthly_fee, language),
    signedBy: signed.signed_by,
    signedAt: formatReadableTime(signed.signed_at, signed.club_time_zone, language.locale),
    signedAtIso: formatIsoTime(signed.signed_at),
    signedIp: signed.signed_ip,
    signatureUrl: signed.signature_url,
    esignConsent: consentOf(signed.esign_consent),
    disclosure:
      signed.disclosure_version === null ? null : { version: signed.disclosure_version, sha256: signed.disclosure_sha256 },
    userAgent: signed.user_agent,
    contractVersion: signed.contract_version,
    terms: signed.terms,
    replacedOn: formatTime(signed.replaced_at, signed.club_time_zone, language),
    signatures: signed.signatures.map((signature) => ({
      role: language.t('format.role', { role: signature.role }),
      name: signature.name,
      signedBy: signature.signed_by,
      signedAt: formatReadableTime(Date.parse(signature.signed_at), signed.club_time_zone, language.locale),
      signedAtIso: formatIsoTime(Date.parse(signature.signed_at)),
      ip: signature.ip,
      esignConsent: consentOf(signature.esign_consent),
      userAgent: signature.user_agent,
    })),
  });

  return {
    contract: (token, contract, outcome, language) => {
      const signers = signersView(contract, token, language);
      const shownTerms = termsIn(contract.terms, contract.terms_translations, language.language);
      const disclosure = esignDisclosure(language.language);
      return eta.render('./contract', {
        ...framing(language),
        title: language.t('page.contract.title', { club: contract.club_name, player: contract.player_name }),
        assetsPath: '../assets',
        token,
        clubName: contract.club_name,
        clubContactEmail: contract.club_contact_email,
        playerName: contract.player_name,
        teamsLabel: language.t('format.teamsLabel', { count: contract.team_names.length }),
        teams: teams(contract.team_names, language),
        monthlyFee: fee(contract.monthly_fee, language),
        contractVersion: contract.contract_version ?? options.contractVersion,
        terms: shownTerms === null ? null : { ...shownTerms, html: options.termsHtml(shownTerms) },
        status: contract.status,
        ...signers,
        signedBy: contract.contract_signed_by,
        signedAt: formatTime(contract.contract_signed_at, contract.club_time_zone, language),
        declinedAt: formatTime(contract.contract_declined_at, contract.club_time_zone, language),
        disclosure: { ...disclosure, html: options.termsHtml({ sha256: disclosure.sha256, body: disclosure.text }) },
        notice: notice(contract, signers.signedAndWaiting, outcome, language),
        error: problem(contract, outcome, language),
      });
    },
    replaced: (token, club, signed, root, language) =>
      eta.render('./replaced', {
        ...framing(language),
        title: language.t(signed === null ? 'page.replaced.titleOffer' : 'page.replaced.titleContract'),
        assetsPath: `${root}assets`,
        receiptPath: `${root}contract/${token}/receipt`,
        clubName: club?.name ?? null,
        clubContactEmail: club?.contactEmail ?? null,
        signed: signed === null ? null : signedView(signed, language),
      }),
    receipt: (token, signed, language) =>
      eta.render('./receipt', {
        ...framing(language),
        title: language.t('page.receipt.title', { club: signed.club_name, player: signed.player_name }),
        assetsPath: '../../assets',
        contractPath: `../${token}`,
        // Relative to /contract/<token>/receipt, as every link of the pages.
        pdfPath: 'receipt.pdf',
        sealed: signed.sign_audit_id !== null,
        ...signedView(signed, language),
      }),
    error: (code, message, root, language, club = null) => {
      const known = LINK_PAGES.has(code);
      return eta.render('./message', {
        ...framing(language),
        title: language.t(known ? `page.error.${code}.title` : 'page.error.fallbackTitle'),
        // An error the catalog does not explain is the API's own message, in English (docs/LANGUAGES.md).
        message: known ? language.t(`page.error.${code}.message`) : message,
        assetsPath: `${root}assets`,
        clubName: club?.name ?? null,
        clubContactEmail: club?.contactEmail ?? null,
      });
    },
  };
}

/** A recorded consent to sign electronically, as the catalog's `consentValue` selects it. */
const consentOf = (consent: boolean | null) => (consent === true ? 'given' : consent === false ? 'refused' : 'unknown');

/**
 * Who signs, as the link shows it (docs/PRODUCT.md, "Who signs"): its own signer, and — when there is
 * more than one — every signer's name, role and standing, never their e-mail or link.
 */
function signersView(contract: FamilyContract, token: string, language: Translator) {
  const { signer } = familySigners(contract.signers, token);
  const awaited = contract.signers.filter((other) => other.status === 'pending').map((other) => other.name);
  return {
    signerRole: signer.role,
    /** This link's signer has signed an offer that still waits for others. */
    signedAndWaiting: contract.status === 'offered' && signer.status === 'signed',
    awaited: listOfNames(awaited, language.locale),
    signers:
      contract.signers.length > 1
        ? contract.signers.map((other) => ({
            name: other.name,
            role: language.t('format.role', { role: other.role }),
            standing:
              other.status === 'signed' && other.signed_at !== null
                ? language.t('page.contract.signedOn', {
                    at: formatReadableTime(other.signed_at, contract.club_time_zone, language.locale),
                  })
                : other.status === 'declined'
                  ? language.t('page.contract.declined')
                  : language.t('page.contract.notSignedYet'),
            own: other.token === token,
          }))
        : [],
  };
}

function notice(
  contract: FamilyContract,
  signedAndWaiting: boolean,
  outcome: FormOutcome | null,
  language: Translator,
): string | null {
  if (outcome === 'signed' && contract.status === 'signed') return language.t('page.notice.signed');
  if (outcome === 'signed' && signedAndWaiting) return language.t('page.notice.signatureRecorded');
  if (outcome === 'declined' && contract.status === 'declined') return language.t('page.notice.declined');
  return null;
}

function problem(contract: FamilyContract, outcome: FormOutcome | null, language: Translator): string | null {
  if (contract.status !== 'offered') return null;
  if (outcome === 'name_missing') return language.t('page.problem.nameMissing');
  if (outcome === 'agreement_missing') return language.t('page.problem.agreementMissing');
  if (outcome === 'consent_missing') return language.t('page.problem.consentMissing');
  return null;
}
