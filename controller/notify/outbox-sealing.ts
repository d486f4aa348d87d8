/**
 * Outbox content that carries a credential — an approval email's single-use approve/deny
 * links and reply token — is stored sealed with the master key, bound to its outbox id,
 * and opened only in memory by send-email. Alert digests carry none and are stored clear.
 */
import type { SecretBox } from '../secrets/secret-box';

const context = (outboxId: string) => `notify:outbox:${outboxId}`;
const SEALED = /^kw1:[0-9a-f]{12}:[A-Za-z0-9+/=]+$/;

export const sealOutboxContent = (box: SecretBox, outboxId: string, content: string): string =>
  box.seal(content, context(outboxId));

/** The content as sent: opened when sealed, as stored otherwise. */
export const openOutboxContent = (box: SecretBox, outboxId: string, content: string): string =>
  SEALED.test(content) ? box.open(content, context(outboxId)) : content;
