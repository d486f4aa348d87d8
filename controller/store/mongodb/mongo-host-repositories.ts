import type { Db } from 'mongodb';
import type { Store } from '../store';
import { hostCollections } from './host-collections';
import { mongoHostGroupRepository } from './mongo-host-group-repository';
import { mongoHostRepository } from './mongo-host-repository';
import {
  mongoExpiringRecordRepository,
  mongoReportingDataRepository,
} from './mongo-reporting-repositories';
import { mongoScanScheduleRepository } from './mongo-scan-schedule-repository';
import { guarded } from './translate-errors';

/** The host-side repositories of the MongoDB store, spread into it by openMongoStore. */
export function mongoHostRepositories(
  db: Db,
): Pick<Store, 'hosts' | 'hostGroups' | 'scanSchedule' | 'reportingData' | 'expiringRecords'> {
  const c = hostCollections(db);
  return {
    hosts: guarded('hosts', mongoHostRepository(c)),
    hostGroups: guarded('hostGroups', mongoHostGroupRepository(c)),
    scanSchedule: guarded('scanSchedule', mongoScanScheduleRepository(c)),
    reportingData: guarded('reportingData', mongoReportingDataRepository(c)),
    expiringRecords: guarded('expiringRecords', mongoExpiringRecordRepository(c)),
  };
}
