import { dueSourceAddresses } from '../reverse-dns/due-addresses';
import { defineInternalRobot } from './define-internal-robot';

const BATCH = 500;
/** Addresses one run hands out; the rest are due again at the next run. */
const PER_RUN = 20 * BATCH;

/**
 * Goes through the source addresses seen in key activity and hands those whose reverse DNS
 * is due (never looked up, or the cached answer expired) to reverse-ip-mapper children, so
 * key-activity scans never wait on DNS.
 */
export const internalReverseIpMapper = defineInternalRobot({
  type: 'internal-reverse-ip-mapper',
  describe: 'Finds key-activity source addresses due for reverse DNS and queues reverse-ip-mapper',
  intervalMs: 15 * 60_000,
  timeoutMs: 10 * 60_000,
  retry: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000 },
  // Typed, so the compiler need not read this body while it works out the registry's types.
  async run(ctx): Promise<unknown> {
    const { due, seen } = await dueSourceAddresses(ctx.store, ctx.now(), PER_RUN);
    await ctx.heartbeat({ seen, due: due.length });
    if (due.length === 0) return { seen, due: 0 };
    const children = [];
    for (let i = 0; i < due.length; i += BATCH)
      children.push({
        type: 'reverse-ip-mapper' as const,
        params: { addresses: due.slice(i, i + BATCH) },
      });
    return ctx.spawnChildren(children);
  },
});
