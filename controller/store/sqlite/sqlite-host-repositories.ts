import type Database from 'better-sqlite3';
import type { Store } from '../store';
import { sqliteHostGroupRepository } from './sqlite-host-group-repository';
import { sqliteHostRepository } from './sqlite-host-repository';
import {
  sqliteExpiringRecordRepository,
  sqliteReportingDataRepository,
} from './sqlite-reporting-repositories';
import { sqliteScanScheduleRepository } from './sqlite-scan-schedule-repository';

/** The host-side repositories of the embedded store, spread into it by openSqliteStore. */
export function sqliteHostRepositories(
  db: Database.Database,
): Pick<Store, 'hosts' | 'hostGroups' | 'scanSchedule' | 'reportingData' | 'expiringRecords'> {
  return {
    hosts: sqliteHostRepository(db),
    hostGroups: sqliteHostGroupRepository(db),
    scanSchedule: sqliteScanScheduleRepository(db),
    reportingData: sqliteReportingDataRepository(db),
    expiringRecords: sqliteExpiringRecordRepository(db),
  };
}
