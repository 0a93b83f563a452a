/** Where the rules of the operations that make a transition are written down, as their documentation names it. */
export const MACHINE = 'the contract state machine (docs/PRODUCT.md, "The state machine"; drawn at /contract-machine)';

/** What `rules_out_of_sync` means on an operation that makes a transition (sql/contract_transition.sql). */
export const RULES_OUT_OF_SYNC =
  'the service and its database run different versions of the contract rules, as during a deployment';
