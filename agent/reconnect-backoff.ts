/**
 * How long an agent waits before its next connection attempt after `failures` attempts
 * in a row went wrong (1 after a stream that was welcomed and then dropped): exponential
 * backoff with full jitter, capped at `maxBackoffMs`. Full jitter (a uniform draw over the
 * whole window, not a fixed delay plus a little noise) is what spreads a fleet whose
 * streams all dropped at once (a controller restart) over the window, instead of sending
 * every agent back in the same instant; bench/fleet-simulator.ts uses this same function.
 */
export function reconnectDelayMs(
  failures: number,
  maxBackoffMs: number,
  random: () => number = Math.random,
): number {
  return random() * Math.min(maxBackoffMs, 500 * 2 ** Math.min(failures, 10));
}
