/**
 * The migrations whose `down` is not harmless on a database in use: those that destroy data their
 * `up` cannot bring back, and those that fail on data a later migration allowed. Migrations are
 * sealed, so the knowledge lives here; src/db/lossy-downs.ts asks each entry's query before any down
 * runs. A migration missing here reverts unasked: one whose down drops a table, a column or a schema
 * that holds rows, deletes rows, narrows a type or adds a constraint belongs here.
 */
export interface DownRisk {
  /**
   * 'loses-data': the down runs, and what `explanation` names is gone for good; it runs only when
   * the operator accepts that (`migrate down --lose-data`). 'cannot-run': the down fails on the data
   * `explanation` names, so it is refused whatever the operator accepts, before any down starts.
   */
  readonly kind: 'loses-data' | 'cannot-run';
  /** For the operator: what would be lost, or why the down cannot run. */
  readonly explanation: string;
  /** One row, one boolean column: whether the data `explanation` names exists now. */
  readonly query: string;
}

// Each query reads only objects its own migration or an earlier one created: they all exist while the
// migration is applied, whichever migrations follow it.
export const DOWN_RISKS: Readonly<Record<string, DownRisk>> = {
  '0001_tenants-teams-players-audit-log': {
    kind: 'loses-data',
    explanation: 'every club, with its teams, players, contracts and audit log',
    query: 'SELECT EXISTS (SELECT 1 FROM tenants)',
  },
  // 0003's up rebuilds the replaced links from the audit rows of re-offers and team changes; an offer
  // that follows a decline, a withdrawal or an expiry leaves none.
  '0003_family-sign-and-decline': {
    kind: 'loses-data',
    explanation:
      'which family links a newer offer replaced, where no re-offer or team change in the audit log records it: ' +
      'such a link would answer "no contract" instead of "replaced by a newer offer"',
    query: `
      SELECT EXISTS (
        SELECT 1 FROM superseded_contract_tokens AS replaced
        WHERE NOT EXISTS (
          SELECT 1 FROM contract_audit_log AS audit
          WHERE audit.event_type IN ('re_offer', 'tier_change') AND audit.old_state->>'contract_token' = replaced.token
        )
      )`,
  },
  // An expired key answers nothing: a claim takes it over as new.
  '0005_idempotency-keys': {
    kind: 'loses-data',
    explanation:
      'the Idempotency-Keys of admin writes still within their retry window: ' +
      'a retry would write a second time instead of answering with the first outcome',
    query: 'SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE expires_at > now())',
  },
  '0006_contract-rules-tables': {
    kind: 'cannot-run',
    explanation:
      'its CHECKs allow only the contract states none, offered, declined and signed and the audit events ' +
      're_offer, tier_change, sign and decline, and some player or audit row has another ' +
      '(an audit row leaves only with its player)',
    query: `
      SELECT EXISTS (SELECT 1 FROM players WHERE contract_status NOT IN ('none', 'offered', 'declined', 'signed'))
        OR EXISTS (SELECT 1 FROM contract_audit_log WHERE event_type NOT IN ('re_offer', 'tier_change', 'sign', 'decline'))`,
  },
  // 0009's up wants a reason on every override row, so after this down it fails until those players are gone.
  '0009_contract-rules-enforced': {
    kind: 'loses-data',
    explanation:
      'the reasons given for overrides and withdrawals in the audit log ' +
      '(and up then fails on an override left without its reason)',
    query: 'SELECT EXISTS (SELECT 1 FROM contract_audit_log WHERE reason IS NOT NULL)',
  },
  '0014_job-queue': {
    kind: 'loses-data',
    explanation:
      "the job queue's jobs: e-mails to families still to send or to retry, scheduled reminders and expiries, " +
      'and jobs that failed for good',
    query: 'SELECT EXISTS (SELECT 1 FROM graphile_worker.jobs)',
  },
  '0015_contract-messages': {
    kind: 'loses-data',
    explanation: "every e-mail sent or queued to a family, as a contract's history lists them",
    query: 'SELECT EXISTS (SELECT 1 FROM contract_messages)',
  },
  // Without removed rows, 0018's up recomputes every hash exactly as the chain had it.
  '0018_audit-hash-chain': {
    kind: 'loses-data',
    explanation:
      "where the audit rows removed with their players stood in their club's hash chain: up rebuilds the chain " +
      'without them, so the hashes of the rows after them change and hashes kept outside the database no longer match',
    query: 'SELECT EXISTS (SELECT 1 FROM contract_audit_log_removed)',
  },
  '0019_contract-terms': {
    kind: 'loses-data',
    explanation: "every club's contract terms, and which version of them (and its sha256) each contract pinned",
    query: 'SELECT EXISTS (SELECT 1 FROM contract_terms)',
  },
  '0023_withdraw-and-expire': {
    kind: 'cannot-run',
    explanation:
      'its CHECK allows a reason on override audit rows only, and some audit row of a withdrawal has one ' +
      '(an audit row leaves only with its player)',
    query: "SELECT EXISTS (SELECT 1 FROM contract_audit_log WHERE (event_type = 'admin_override') <> (reason IS NOT NULL))",
  },
  '0024_contract-rules-and-sql-functions': {
    kind: 'cannot-run',
    explanation:
      'the rules it restores have no withdrawn or expired contracts, and some player is withdrawn or expired or has ' +
      'a withdrawal or an expiry in the audit log (an audit row leaves only with its player)',
    query: `
      SELECT EXISTS (SELECT 1 FROM players WHERE contract_status IN ('withdrawn', 'expired'))
        OR EXISTS (SELECT 1 FROM contract_audit_log WHERE event_type IN ('withdraw', 'expire'))`,
  },
  '0029_family-mail-budgets': {
    kind: 'loses-data',
    explanation:
      "when each family was last e-mailed: every family's e-mail budget would start full again, " +
      'so more offers and reminders than the limit could reach one family at once',
    query: 'SELECT EXISTS (SELECT 1 FROM family_mail_budgets)',
  },
  // A club still on every default loses nothing: up gives it the same settings back.
  '0034_club-settings': {
    kind: 'loses-data',
    explanation:
      "each club's settings (signing policy, adult age, default language, contact e-mail, time zone): " +
      'every club would be back on the defaults',
    query: `
      SELECT EXISTS (
        SELECT 1 FROM tenants
        WHERE signing_policy <> 'one_guardian' OR adult_age <> 18 OR default_language <> 'en'
          OR contact_email IS NOT NULL OR time_zone <> 'UTC'
      )`,
  },
  '0038_guardians': {
    kind: 'loses-data',
    explanation: "every player's birth date and listed guardians",
    query: 'SELECT EXISTS (SELECT 1 FROM guardians) OR EXISTS (SELECT 1 FROM players WHERE birth_date IS NOT NULL)',
  },
  '0040_signature-evidence': {
    kind: 'loses-data',
    explanation:
      "every signed contract's consent to sign electronically, the e-sign notice shown and the signer's user agent " +
      '(the audit rows keep them)',
    query: `
      SELECT EXISTS (
        SELECT 1 FROM players
        WHERE contract_esign_consent IS NOT NULL OR contract_disclosure_version IS NOT NULL
          OR contract_disclosure_sha256 IS NOT NULL OR contract_signed_user_agent IS NOT NULL
      )`,
  },
  '0042_contract-signers': {
    kind: 'loses-data',
    // A player who signs alone signs through the player's own link, and the player's row keeps the
    // signature: only guardians' rows hold what nothing else does.
    explanation:
      "which guardians sign each offer made to them, each guardian's own link (it would open nothing) and a " +
      'signature still waiting for another guardian (the audit rows keep every signature)',
    query: "SELECT EXISTS (SELECT 1 FROM contract_signers WHERE role = 'guardian')",
  },
  '0043_contract-rules-and-sql-functions': {
    kind: 'cannot-run',
    explanation:
      'the rules it restores have no partial signatures, and some audit row records a signature that waited for ' +
      'another signer (an audit row leaves only with its player)',
    query: "SELECT EXISTS (SELECT 1 FROM contract_audit_log WHERE event_type = 'signature')",
  },
  '0045_player-external-id': {
    kind: 'loses-data',
    explanation: "every player's external_id, the club's own id that a roster import matches rows by",
    query: 'SELECT EXISTS (SELECT 1 FROM players WHERE external_id IS NOT NULL)',
  },
  '0050_club-language-codes': {
    kind: 'loses-data',
    explanation: "every club's default_language other than en and es (each set to en)",
    query: "SELECT EXISTS (SELECT 1 FROM tenants WHERE default_language NOT IN ('en', 'es'))",
  },
  '0051_player-language': {
    kind: 'loses-data',
    explanation: "every player's own language",
    query: 'SELECT EXISTS (SELECT 1 FROM players WHERE language IS NOT NULL)',
  },
  '0052_guardian-language': {
    kind: 'loses-data',
    explanation: "every guardian's language",
    query: 'SELECT EXISTS (SELECT 1 FROM guardians WHERE language IS NOT NULL)',
  },
  '0053_signer-languages': {
    kind: 'loses-data',
    explanation: "each signer's language and the language each signature read the terms in",
    query: 'SELECT EXISTS (SELECT 1 FROM contract_signers WHERE language IS NOT NULL OR terms_language IS NOT NULL)',
  },
  '0054_terms-translations': {
    kind: 'loses-data',
    explanation: "every translation of the club's terms, and the language each version's own text is in",
    query:
      'SELECT EXISTS (SELECT 1 FROM contract_terms_translations) OR EXISTS (SELECT 1 FROM contract_terms WHERE language IS NOT NULL)',
  },
  '0063_audit-checkpoints': {
    kind: 'loses-data',
    explanation:
      "every club's audit checkpoints: the rows sealed since per-player chains could then be removed or changed " +
      'with their hash unnoticed, wherever no checkpoint was published',
    query: 'SELECT EXISTS (SELECT 1 FROM contract_audit_checkpoints)',
  },
  '0062_audit-removed-writer-transaction': {
    kind: 'loses-data',
    explanation:
      'which rows removed with their player were chained per player (and by which transaction): ' +
      '`audit verify` would read them as chained per club and report the chain broken',
    query: 'SELECT EXISTS (SELECT 1 FROM contract_audit_log_removed WHERE xact_id IS NOT NULL)',
  },
  '0061_audit-log-writer-transaction': {
    kind: 'loses-data',
    explanation:
      'which audit rows are chained per player (and by which transaction): ' +
      '`audit verify` would read them as chained per club and report the chain broken',
    query: 'SELECT EXISTS (SELECT 1 FROM contract_audit_log WHERE xact_id IS NOT NULL)',
  },
  '0056_contract-receipts': {
    kind: 'loses-data',
    explanation:
      "every signed contract's receipt PDF as it was sealed (the audit log keeps each one's sha256, but not the bytes: " +
      'a receipt made again would be new bytes, with another sha256)',
    query: 'SELECT EXISTS (SELECT 1 FROM contract_receipts)',
  },
  '0049_webhooks': {
    kind: 'loses-data',
    explanation: "every club's webhook endpoints with their secrets, and the events and delivery log they had",
    query: 'SELECT EXISTS (SELECT 1 FROM webhook_endpoints) OR EXISTS (SELECT 1 FROM webhook_events)',
  },
  // Reverted after 0070, which records each link replaced since in superseded_contract_tokens with
  // the time it was replaced: what is lost is when the guardians' links still open were minted.
  '0067_contract-links-minted-at': {
    kind: 'loses-data',
    explanation:
      "when each guardian's link of an open offer was minted: once up again, should that contract be signed and " +
      'a tier change replace it, those links would no longer show what was signed',
    query: `
      SELECT EXISTS (
        SELECT 1 FROM contract_signers AS signer JOIN contract_links AS links ON links.token = signer.token
        WHERE signer.position > 1 AND links.minted_at IS NOT NULL
      )`,
  },
};
