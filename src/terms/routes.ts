import { createContractTerms, listContractTerms } from './store.ts';
import { json } from '../http/answer-content.ts';
import { contractTerms, contractTermsList, TERMS_BODY_LIMIT, createContractTermsBody } from './schemas.ts';
import { MAX_TERMS_ELEMENTS, MAX_TERMS_NESTING } from './terms-html.ts';
import { adminOperation, tenantOf } from '../admin/operation.ts';

export const termsPublication = adminOperation({
  method: 'post',
  path: '/admin/contract-terms',
  operationId: 'publishContractTerms',
  summary: 'Publish the club’s next version of its contract terms (immutable; new offers pin the newest)',
  description:
    `The body may make at most ${MAX_TERMS_ELEMENTS.toLocaleString('en')} HTML elements (paragraphs, list items, table ` +
    `cells, emphasis, links…) and nest quotes and lists at most ${MAX_TERMS_NESTING} deep, both counted from the ` +
    'Markdown: more is refused with 422 `validation_failed`, and the message gives the count.',
  body: { schema: createContractTermsBody, limit: TERMS_BODY_LIMIT },
  answers: { 201: json(contractTerms, 'The new version.') },
  notes: { payload_too_large: 'the body is over 1 MB' },
  async handle(ctx, { caller: admin, body }, deps) {
    const terms = await createContractTerms(deps.pool, await tenantOf(deps, admin), {
      title: body.title,
      body: body.body,
      actor: admin.actor,
      language: body.language ?? null,
      translations: body.translations,
    });
    ctx.status = 201;
    ctx.body = contractTerms.parse(terms);
  },
});

export const termsList = adminOperation({
  method: 'get',
  path: '/admin/contract-terms',
  operationId: 'listContractTerms',
  summary: 'The club’s versions of its contract terms, newest first',
  answers: { 200: json(contractTermsList, 'The versions.') },
  async handle(ctx, { caller: admin }, deps) {
    const items = await listContractTerms(deps.pool, await tenantOf(deps, admin));
    ctx.body = contractTermsList.parse({ items });
  },
});

/** The terms operations, in the order /openapi.json lists them. */
export const TERMS_OPERATIONS = [termsPublication, termsList] as const;
