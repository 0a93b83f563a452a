import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { formatIsoTime, formatMonthlyFee, formatReadableDay, formatReadableTime, listOfNames } from '../formatting.ts';

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
  const subject = oneLine(subjectOf(message));
  const data = {
    ...message,
    subject,
    teamsLabel: message.teamNames.length === 1 ? 'Team' : 'Teams',
    teams: message.teamNames.length > 0 ? message.teamNames.join(', ') : 'To be assigned by the club',
    monthlyFee: formatMonthlyFee(message.monthlyFee, message.currency),
    contractVersion: message.kind === 'confirmation' && message.outcome === 'signed' ? message.contractVersion : null,
    termsLine:
      message.kind === 'confirmation' && message.terms !== null
        ? `${message.terms.title}, version ${message.terms.version}`
        : null,
    awaited: message.kind === 'confirmation' ? listOfNames(message.awaitedSigners) : '',
    voided:
      message.kind === 'offer' && message.voided !== null
        ? {
            teams: message.voided.teamNames.length > 0 ? message.voided.teamNames.join(', ') : 'To be assigned by the club',
            monthlyFee: formatMonthlyFee(message.voided.monthlyFee, message.currency),
          }
        : null,
    ...(message.kind === 'reminder' ? { offeredOn: formatReadableDay(message.offeredAt, message.timeZone) } : {}),
    ...(message.kind === 'confirmation'
      ? { atReadable: formatReadableTime(message.at, message.timeZone), atIso: formatIsoTime(message.at) }
      : {}),
  };
  return {
    subject,
    text: textTemplates.render(`./${message.kind}.txt.eta`, data),
    html: htmlTemplates.render(`./${message.kind}.html.eta`, data),
  };
}

const isLink = (url: string) => /^https?:\/\/[^\s\p{Cc}]+$/u.test(url);

function subjectOf(message: ContractMessage): string {
  const { clubName, playerName } = message;
  switch (message.kind) {
    case 'offer':
      return message.replacesEarlierOffer
        ? `${clubName}: a new contract offer for ${playerName} (replaces the earlier one)`
        : `${clubName}: your contract offer for ${playerName}`;
    case 'reminder':
      return `${clubName}: reminder, the contract offer for ${playerName} is waiting for your answer`;
    case 'confirmation':
      switch (message.outcome) {
        case 'signed':
          return `${clubName}: the contract for ${playerName} is signed`;
        case 'declined':
          return `${clubName}: the contract offer for ${playerName} is declined`;
        case 'offered':
          return `${clubName}: your signature for ${playerName} is recorded`;
        case 'withdrawn':
          return `${clubName}: the contract offer for ${playerName} was withdrawn`;
        case 'expired':
          return `${clubName}: the contract offer for ${playerName} expired`;
      }
  }
}
