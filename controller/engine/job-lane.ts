import type { JobLane, JobTrigger } from '../store/records';
import type { JobDefinition } from './job-definition';

/**
 * The lane a job is queued in (docs/robots.md, "Lanes"). What the scheduler queues for
 * periodic work (trigger `schedule`: the host scans, thousands at a time on a large
 * fleet) is bulk, and may use only a share of the workers. Robots are queued by the
 * scheduler too but are never bulk: the internal-scheduler robot is what queues the bulk,
 * and connectivity probes must not wait behind it. Admin, event, child and system jobs are
 * normal. Decided here, from the type and trigger, so no caller can forget to mark a scan.
 */
export function laneFor(def: Pick<JobDefinition, 'robot'>, trigger: JobTrigger): JobLane {
  return trigger === 'schedule' && !def.robot ? 'bulk' : 'normal';
}
