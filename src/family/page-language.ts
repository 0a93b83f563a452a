import type { Context } from 'koa';
import { chooseLanguage } from '../i18n/choose-language.ts';
import { type Translator, translator } from '../i18n/translator.ts';

/**
 * The page's language (docs/LANGUAGES.md): `?lang=`, the link's signer's, the club's, the browser's,
 * English; said in Content-Language. The page differs by Accept-Language, which caches must know.
 */
export function languageOf(ctx: Context, known: { signer?: string | null; club?: string | null } = {}): Translator {
  const language = translator(
    chooseLanguage({ query: ctx.query.lang, ...known, acceptLanguage: ctx.get('accept-language') || undefined }),
  );
  ctx.set('Content-Language', language.language);
  ctx.vary('Accept-Language');
  return language;
}
