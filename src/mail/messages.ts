import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { formatIsoTime, formatMonthlyFee, formatReadableDay, formatReadableTime, listOfNames } from '../formatting.ts';
import { type MessageTags, type Translator, escapeHtml, translator } from '../i18n/translator.ts';

/** The e-mail templates: one HTML and one plain-text template per kind, each pair with its layout. */
export const MAIL_TEMPLATES = fileURLToPath(new URL('./templates/', import.meta.url));

/**
 * What a family is told by e-mail (docs/OPERATING.md, "E-mail"). Names are as stored, exactly as the club
 * sent them: rendering escapes them, nothing upstream has to.
 */
/** What every message of a club's carries: the club, whom to ask, and the contract's details. */
interface ClubMessage {
  clubName: string;
  /** Whom the family asks, named in the message (it is also its Reply-To); null: the club gave none. */
  clubContactEmail: string | null;
  /** The club's IANA time zone: every time in the message is shown in it. */
  timeZone: string;
  playerName: string;
  teamNames: string[];
  monthlyFee: number;
  currency: string;
  /** This signer's own link (docs/PRODUCT.md, "Who signs"). */
  contractUrl: string;
  /** Whom the message is for; null for the player's e-mail of an offer made before signers existed. */
  signerName: string | null;
  /** The signer's language, else the club's (docs/LANGUAGES.md); English for one without a catalog. */
  language: string;
}

export type ContractMessage = ClubMessage &
  (
    | {
        kind: 'offer';
        /** A forced re-offer or a tier change: the earlier e-mail's link no longer works. */
        replacesEarlierOffer: boolean;
        /** A tier change: the signed contract this offer voids, to show what changed. */
        voided: { teamNames: string[]; monthlyFee: number } | null;
      }
    | {
        kind: 'reminder';
        offeredAt: Date;
      }
    | {
        kind: 'confirmation';
        /** `offered`: this signer's signature is recorded and the contract waits for `awaitedSigners`. */
        outcome: 'signed' | 'declined' | 'offered' | 'withdrawn' | 'expired';
        signedBy: string | null;
        /** For a decline by another signer: who declined; null when it was this one. */
        declinedBy: string | null;
        awaitedSigners: string[];
        /** The terms the contract pinned, named in the message; null when the club had none. */
        terms: { title: string; version: number } | null;
        /** When the signer signed, the family declined, or the offer was withdrawn or expired. */
        at: Date;
        contractVersion: string | null;
        /** The printable receipt (`${contractUrl}/receipt`), for a signed contract; null for a decline. */
        receiptUrl: string | null;
        /** The sealed PDF receipt is attached (docs/RECEIPTS.md); false when it could not be made. Absent: false. */
        receiptAttached?: boolean;
      }
  );

export type MessageKind = ContractMessage['kind'];

export interface RenderedMessage {
  /** The language it is written in: its Content-Language. */
  readonly language: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * A value on one line of plain text: control characters (line breaks included) and bidirectional
 * overrides become a space, so a name cannot start a line of its own — say, a fake link under the
 * real one — or turn the text around. The plain-text part must not be HTML-escaped: the family
 * would read `&amp;`.
 */
export function oneLine(value: unknown): string {
  return String(value).replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu, ' ');
}

// Both read the same folder; the suffix says which one a template is for. HTML escapes every value
// (`<%= %>`), plain text keeps each value on its line.
const htmlTemplates = new Eta({ views: MAIL_TEMPLATES, autoEscape: true, cache: true });
const textTemplates = new Eta({
  views: MAIL_TEMPLATES,
  autoEscape: true,
  escapeFunction: oneLine,
  autoTrim: false,
  cache: true,
});

/** Subject, plain text and HTML of one message; every value escaped for where it goes. */
export function renderMessage(message: ContractMessage): RenderedMessage {
  // The links come from the service's own CONTRACT_BASE_URL; anything else is a bug upstream.
  if (!isLink(message.contractUrl)) throw new Error('contractUrl must be an http(s) URL on one line');
  if (message.kind === 'confirmation' && message.receiptUrl !== null && !isLink(message.receiptUrl)) {
    throw new Error('receiptUrl must be an http(s) URL on one line');
  }
  const language = translator(message.language);
  const subject = oneLine(subjectOf(message, language));
  const teams = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : language.t('format.noTeam'));
  const links: MessageTags = {
    mail: (inner) => `<a href="mailto:${escapeHtml(message.clubContactEmail ?? '')}" style="color:#0a4f96">${inner}</a>`,
  };
  const data = {
    ...message,
    t: language.t,
    html: language.html,
    links,
    lang: language.language,
    dir: language.t('language.direction'),
    subject,
    teamsLabel: language.t('format.teamsLabel', { count: message.teamNames.length }),
    teams: teams(message.teamNames),
    monthlyFee: formatMonthlyFee(message.monthlyFee, message.currency, language),
    contractVersion: message.kind === 'confirmation' && message.outcome === 'signed' ? message.contractVersion : null,
    termsLine:
      message.kind === 'confirmation' && message.terms !== null
        ? language.t('mail.details.termsLine', { title: message.terms.title, version: message.terms.version })
        : null,
    awaited: message.kind === 'confirmation' ? listOfNames(message.awaitedSigners, language.locale) : '',
    declinedKey:
      message.kind === 'confirmation'
        ? `mail.confirmation.${message.declinedBy === null ? 'declinedByYou' : 'declinedByOther'}${message.clubContactEmail === null ? '' : 'WithContact'}`
        : '',
    voided:
      message.kind === 'offer' && message.voided !== null
        ? {
            teams: teams(message.voided.teamNames),
            monthlyFee: formatMonthlyFee(message.voided.monthlyFee, message.currency, language),
          }
        : null,
    ...(message.kind === 'reminder'
      ? { offeredOn: formatReadableDay(message.offeredAt, message.timeZone, language.locale) }
      : {}),
    ...(message.kind === 'confirmation'
      ? { atReadable: formatReadableTime(message.at, message.timeZone, language.locale), atIso: formatIsoTime(message.at) }
      : {}),
  };
  return {
    language: language.language,
    subject,
    text: textTemplates.render(`./${message.kind}.txt.eta`, data),
    html: htmlTemplates.render(`./${message.kind}.html.eta`, data),
  };
}

const isLink = (url: string) => /^https?:\/\/[^\s\p{Cc}]+$/u.test(url);

function subjectOf(message: ContractMessage, language: Translator): string {
  const names = { club: message.clubName, player: message.playerName };
  switch (message.kind) {
    case 'offer':
      return language.t(message.replacesEarlierOffer ? 'mail.subject.offerReplacing' : 'mail.subject.offer', names);
    case 'reminder':
      return language.t('mail.subject.reminder', names);
    case 'confirmation':
      return language.t(`mail.subject.${message.outcome}`, names);
  }
}
