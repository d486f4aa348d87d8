import { describe, expect, it } from 'vitest';
import { laneFor } from '../../../controller/engine/job-lane';
import { buildRegistry } from '../../../controller/jobs/registry';

const registry = buildRegistry({ testJobTypes: true });
const SCAN_TYPES = ['scan-authorized-keys', 'scan-configs', 'scan-host-key-activity', 'scan-full'];

describe('job lanes', () => {
  it('puts the host scans the scheduler queues in the bulk lane', () => {
    for (const type of SCAN_TYPES) {
      const def = registry[type];
      expect(def?.hostScan, type).toBeDefined();
      expect(laneFor(def!, 'schedule'), type).toBe('bulk');
    }
  });

  it('never puts a robot in the bulk lane, though the scheduler queues it', () => {
    const robots = Object.values(registry).filter((d) => d.robot);
    expect(robots.map((d) => d.type)).toContain('internal-scheduler');
    for (const def of robots)
      for (const trigger of ['schedule', 'admin', 'event', 'system'] as const)
        expect(laneFor(def, trigger), `${def.type} ${trigger}`).toBe('normal');
  });

  it('keeps admin, event, child and system jobs normal, scans included', () => {
    for (const trigger of ['admin', 'event', 'parent', 'system'] as const)
      expect(laneFor(registry['scan-full']!, trigger), trigger).toBe('normal');
  });
});
