import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { ErrorCode } from '../errors.ts';
import { formatMonthlyFee, formatReadableTime } from '../formatting.ts';
import type { FamilyContract } from '../store/family-contracts.ts';

export const VIEWS = fileURLToPath(new URL('./views/', import.meta.url));

/** What a form post came back with, carried in the query string of the page it redirects to. */
export type FormOutcome = 'signed' | 'declined' | 'name_missing' | 'agreement_missing';

export interface FamilyPages {
  contract(token: string, contract: FamilyContract, outcome: FormOutcome | null): string;
  /** The page for a request that failed: what happened, and what the family can do about it. */
  error(code: ErrorCode, message: string): string;
}

/** What a browser is told when a link opens no contract, or the client must slow down. */
const LINK_PAGES: Partial<Record<ErrorCode, { title: string; message: string }>> = {
  contract_not_found: {
    title: 'We can’t find this contract',
    message:
      'Check that you opened the whole link from the club’s e-mail. If it still does not work, ask the club to send it again.',
  },
  contract_superseded: {
    title: 'This offer has been replaced',
    message: 'The club sent you a newer offer. Please use the link in the most recent e-mail from the club.',
  },
  too_many_requests: {
    title: 'Please wait a moment',
    message: 'Many requests came from your network in a short time. Wait a few seconds, then reload this page.',
  },
};

/**
 * The family's page (docs/PRODUCT.md, "Family links"): server-rendered, no JavaScript, every value
 * escaped by Eta. Links are relative to /contract/<token>, so the page works behind a proxy that
 * adds a path prefix.
 */
export function createFamilyPages(options: { contractVersion: string; currency: string }): FamilyPages {
  const eta = new Eta({ views: VIEWS, autoEscape: true, cache: true });
  const formatTime = (epochMs: number | null) => (epochMs === null ? '' : formatReadableTime(epochMs));
  const assetsPath = '../assets';

  return {
    contract: (token, contract, outcome) =>
      eta.render('./contract', {
        title: `Contract for ${contract.playerName}`,
        assetsPath,
        token,
        playerName: contract.playerName,
        teamNames: contract.teamNames,
        monthlyFee: formatMonthlyFee(contract.monthlyFee, options.currency),
        contractVersion: contract.signedVersion ?? options.contractVersion,
        status: contract.status,
        signedBy: contract.signedBy,
        signedAt: formatTime(contract.signedAt),
        declinedAt: formatTime(contract.declinedAt),
        notice: notice(contract, outcome),
        error: problem(contract, outcome),
      }),
    error: (code, message) => {
      const page = LINK_PAGES[code] ?? { title: 'Something went wrong', message };
      return eta.render('./message', { title: page.title, message: page.message, assetsPath });
    },
  };
}

function notice(contract: FamilyContract, outcome: FormOutcome | null): string | null {
  if (outcome === 'signed' && contract.status === 'signed') return 'Thank you. The contract is signed.';
  if (outcome === 'declined' && contract.status === 'declined') return 'Your answer is recorded: you declined the offer.';
  return null;
}

function problem(contract: FamilyContract, outcome: FormOutcome | null): string | null {
  if (contract.status !== 'offered') return null;
  if (outcome === 'name_missing') return 'Type your full name to sign.';
  if (outcome === 'agreement_missing') return 'Tick the box to confirm that you agree.';
  return null;
}
