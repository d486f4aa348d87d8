/**
 * Profiles one phase of a benchmark, not the whole process: `node --cpu-prof` would also
 * record tsx compiling the sources and the engine starting, which at 20,000 jobs is as
 * long as the phase itself. Set BENCH_CPU_PROFILE to a file name to write a .cpuprofile
 * (Chrome DevTools format) of the phase; summarise it with bench/profile-summary.ts.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export async function profiled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const file = process.env.BENCH_CPU_PROFILE;
  if (!file) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 250 µs: a no-op job takes tens of microseconds, so the default 1 ms sees too little.
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.error(`${label}: CPU profile written to ${file}`);
  }
}
