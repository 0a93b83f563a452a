import type { Context } from 'koa';
import { type AnsweredContract, type FamilyContract, termsIn } from './store.ts';
import type { StoredReceipt } from '../receipts/store.ts';
import { json, text } from '../http/answer-content.ts';
import { MACHINE, RULES_OUT_OF_SYNC } from '../http/machine-reference.ts';
import { z } from '../http/openapi-zod.ts';
import { familyContractResponse, type FamilyContractResponse, declineBody, declineForm, signBody, signForm } from './schemas.ts';
import { type FamilyApiRouteDependencies, familyAction, familyRead } from './operation.ts';
import { familySigners } from '../signers/schemas.ts';
import { chooseLanguage } from '../i18n/choose-language.ts';
import { languageOf } from './page-language.ts';

// The family link's operations. Programs are answered here in JSON; a browser's requests on the same
// paths (Accept prefers HTML, or a form post) are taken first by the page's router
// (page-routes.ts), whose answers these declarations document too.

export const tokenPath = z.object({ token: z.string().describe('The family’s contract token (43 characters).') });

/** The answer: the store's contract, its version the one in force until the family signs another. */
const view = (
  { contractVersion }: FamilyApiRouteDependencies,
  ctx: Context,
  token: string,
  contract: FamilyContract | AnsweredContract,
): FamilyContractResponse => {
  // The language the family page shows this link in (docs/LANGUAGES.md), and the terms as it shows
  // them; the API's own error messages stay English.
  const language = chooseLanguage({
    signer: contract.signers.find((signer) => signer.token === token)?.language,
    club: contract.club_language,
    acceptLanguage: ctx.get('accept-language') || undefined,
  });
  return familyContractResponse.parse({
    ...contract,
    terms: 'terms_translations' in contract ? termsIn(contract.terms, contract.terms_translations, language) : contract.terms,
    contract_version: contract.contract_version ?? contractVersion,
    ...familySigners(contract.signers, token),
    language,
  });
};

export const familyContract = familyRead({
  method: 'get',
  path: '/contract/{token}',
  operationId: 'getFamilyContract',
  summary: 'The offer behind a family’s link: JSON, or the family page for browsers (Accept: text/html)',
  description:
    'The page shows the club’s pinned terms (Markdown rendered to sanitised HTML) above the signature. A replaced ' +
    'link’s page (410) names the club to ask and, when a tier change replaced a signed contract, shows what was signed.',
  params: tokenPath,
  answers: {
    200: {
      description: 'The contract.',
      content: {
        'application/json': { schema: familyContractResponse },
        'text/html': { schema: z.string() },
      },
    },
  },
  notes: { validation_failed: 'JSON only: a query parameter (the page ignores those it does not read)' },
  async handle(ctx, { params: { token } }, deps) {
    ctx.body = view(deps, ctx, token, await deps.links.open(ctx, token));
  },
});

/** What SIGN and DECLINE share: the machine's event, and the page's form posting it instead. */
const answering = (action: 'sign' | 'decline') =>
  ({
    method: 'post',
    path: `/contract/{token}/${action}`,
    operationId: `${action}Contract`,
    description:
      `The ${action.toUpperCase()} event of ${MACHINE}. ` +
      'The family page posts its form instead and is redirected back (303) to the page, which shows the outcome ' +
      '(a blank name or an unticked box included). Its errors are pages when Accept prefers HTML.',
    params: tokenPath,
    answers: {
      200: json(familyContractResponse, 'The contract after the change.'),
      303: { description: 'Form posts: back to the family page.' },
    },
    errors: ['contract_already_signed', 'contract_already_declined', 'already_signed_by_you', 'rules_out_of_sync'],
    notes: {
      rules_out_of_sync: RULES_OUT_OF_SYNC,
      already_signed_by_you: 'this link’s signer has signed already; the offer waits for another signer',
    },
  }) as const;

export const signing = familyAction({
  ...answering('sign'),
  summary: 'Sign: records signed at, by, IP, user agent, contract version and consent to sign electronically',
  body: { schema: signBody, alsoAccepted: { 'application/x-www-form-urlencoded': { schema: signForm } } },
  async handle(ctx, { params: { token }, body }, deps) {
    const signature = {
      signedBy: body.signed_by,
      signatureUrl: body.signature_url ?? null,
      esignConsent: body.esign_consent ?? null,
      language: body.language ?? null,
    };
    ctx.body = view(deps, ctx, token, await deps.links.sign(ctx, token, signature));
  },
});

export const declining = familyAction({
  ...answering('decline'),
  summary: 'Decline',
  body: {
    schema: declineBody,
    required: false,
    alsoAccepted: { 'application/x-www-form-urlencoded': { schema: declineForm } },
  },
  async handle(ctx, { params: { token } }, deps) {
    ctx.body = view(deps, ctx, token, await deps.links.decline(ctx, token));
  },
});

/**
 * The printable receipt: a page only, whatever the client accepts (the family JSON and the
 * contract's history hold the same facts). A browser's request is taken by the page's router, whose
 * errors are pages; a program gets the page, or the JSON error body when there is none.
 */
export const receipt = familyRead({
  method: 'get',
  path: '/contract/{token}/receipt',
  operationId: 'getContractReceipt',
  summary: 'The printable receipt of a signed contract (an HTML page; there is no JSON of it)',
  description:
    'Who signed, when, from which address, the fee, the teams, and the terms’ title, version and SHA-256. It keeps ' +
    'working after a tier change replaced the signed contract, read from that change’s audit row. Errors are pages ' +
    'when Accept prefers HTML.',
  params: tokenPath,
  // Like the family page, it ignores query parameters: a mail service's click tracking may add some.
  query: z.object({}).passthrough(),
  answers: { 200: text('text/html', 'The receipt.') },
  errors: ['contract_not_signed'],
  notes: { contract_not_signed: 'the link’s contract is not signed' },
  async handle(ctx, { params: { token } }, deps) {
    const signed = await deps.links.receipt(ctx, token);
    ctx.type = 'html';
    ctx.body = deps.pages.receipt(token, signed, languageOf(ctx, { signer: signed.signer_language, club: signed.club_language }));
  },
});

/** Answers a receipt PDF: its recorded bytes, named after the start of their sha256. */
export function answerReceiptPdf(ctx: Context, receipt: StoredReceipt): void {
  ctx.type = 'application/pdf';
  ctx.set('Content-Disposition', `inline; filename="contract-receipt-${receipt.sha256.slice(0, 12)}.pdf"`);
  ctx.body = receipt.pdf;
}

/**
 * The sealed PDF receipt (docs/RECEIPTS.md), the same bytes every time, whatever the client accepts.
 * A browser's request is taken by the page's router, whose errors are pages.
 */
export const receiptPdf = familyRead({
  method: 'get',
  path: '/contract/{token}/receipt.pdf',
  operationId: 'getContractReceiptPdf',
  summary: 'The sealed PDF receipt of a signed contract',
  description:
    'The contract, every signature’s evidence, the terms as the page showed them and the contract’s audit trail with ' +
    'each row’s chain hash, sealed with the service’s PAdES signature. Its SHA-256 is recorded in the club’s audit ' +
    'log (a `receipt` row right after the `sign` row). The worker makes it once, right after the signature that ' +
    'completes the contract, and the same bytes are answered ever after; it keeps working after a tier change ' +
    'replaced the signed contract, as the receipt page does. Errors are pages when Accept prefers HTML.',
  params: tokenPath,
  answers: {
    200: {
      description: 'The PDF.',
      content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } },
    },
  },
  errors: ['contract_not_signed', 'receipt_pending', 'receipt_unavailable'],
  notes: {
    contract_not_signed: 'the link’s contract is not signed',
    receipt_pending: 'the worker has not made it yet (seconds after the last signature): retry after `Retry-After` seconds',
    receipt_unavailable: 'the club’s operator recorded the contract as signed (an override): there is no signature to seal',
  },
  async handle(ctx, { params: { token } }, deps) {
    answerReceiptPdf(ctx, await deps.links.receiptPdf(ctx, token));
  },
});
