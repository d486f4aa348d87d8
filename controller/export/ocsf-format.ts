/**
 * OCSF 1.1 JSON. An alert change is a Detection Finding (class 2004): raised is Create,
 * reopened Update, resolved and dismissed Close. An audit entry is an API Activity (class
 * 6003; the admin API is where every audited change comes from). `metadata.uid` is the
 * event id (the receiver's dedupe key); the alert's own id is `finding_info.uid`.
 */
import { SEVERITY, type ExportEvent } from './export-event';

const PRODUCT = { name: 'Keywarden', vendor_name: 'Keywarden', version: '0.1.0' };
const ACTIVITY: Record<string, { id: number; name: string }> = {
  raised: { id: 1, name: 'Create' },
  reopened: { id: 2, name: 'Update' },
  resolved: { id: 3, name: 'Close' },
  dismissed: { id: 3, name: 'Close' },
};

export function formatOcsf(e: ExportEvent): Record<string, unknown> {
  const metadata = { uid: e.id, version: '1.1.0', product: PRODUCT };
  if (e.feed === 'alerts') {
    const a = e.alert.alert;
    const activity = ACTIVITY[e.alert.kind] ?? { id: 99, name: 'Other' };
    const sev = SEVERITY[a.severity]?.ocsf ?? 0;
    return {
      category_uid: 2,
      class_uid: 2004,
      class_name: 'Detection Finding',
      activity_id: activity.id,
      activity_name: activity.name,
      type_uid: 2004 * 100 + activity.id,
      time: e.at,
      severity_id: sev,
      severity: a.severity,
      status: a.state,
      message: a.message,
      metadata,
      finding_info: { uid: a.id, title: a.message, types: [a.type] },
      ...(a.context.hostName || a.context.hostId
        ? { device: { hostname: a.context.hostName ?? a.context.hostId, uid: a.context.hostId } }
        : {}),
      unmapped: {
        subject: a.subject,
        context: a.context,
        stateReason: a.stateReason,
        stateBy: a.stateBy,
      },
    };
  }
  const x = e.audit;
  return {
    category_uid: 6,
    class_uid: 6003,
    class_name: 'API Activity',
    activity_id: 99,
    activity_name: 'Other',
    type_uid: 6003 * 100 + 99,
    time: e.at,
    severity_id: 1,
    message: `${x.action} ${x.subject}`,
    metadata,
    actor: { user: { name: x.actor } },
    api: { operation: x.action },
    unmapped: { subject: x.subject, details: x.details },
  };
}
