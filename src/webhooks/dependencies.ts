import type { SecretBox } from './secret-box.ts';

/** What the webhook routes need beyond every admin route's dependencies. */
export interface WebhookRouteDependencies {
  readonly webhooks: {
    readonly secrets: SecretBox;
    readonly allowPrivateNetworks: boolean;
  };
}
