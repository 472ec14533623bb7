// A detector's finding in OCSF 1.8.0: class Detection Finding (2004, category 2 Findings).
// The connection that completed the finding is its evidence (endpoints, connection_info,
// process), the rule its analytic; what the class has no field for (the handoff's earlier
// process, the beacon's period) goes under unmapped.packettrail as in the connection records.
import type { Alert } from '../core/alert';
import type { ConnectionEvent } from '../core/connection-event';
import { isoMicros } from './timestamp';

const OCSF_DETECTION_FINDING_CLASS_UID = 2004;
const OCSF_FINDINGS_CATEGORY_UID = 2;
const ACTIVITY_CREATE = 1;

/** OCSF severity_id from a rule's severity (ECS event.severity, higher is worse). */
function ocsfSeverityId(severity: number): number {
  if (severity >= 90) return 5; // Critical
  if (severity >= 70) return 4; // High
  if (severity >= 40) return 3; // Medium
  if (severity >= 20) return 2; // Low
  return 1; // Informational
}

const SEVERITY_NAMES: Readonly<Record<number, string>> = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' };

/** The finding built from the connection's Network Activity document (its endpoints, actor, device and metadata). */
export function toOcsfDetectionFinding(ev: ConnectionEvent, alert: Alert, activity: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const severityId = ocsfSeverityId(alert.severity);
  const unmapped = { ...(activity.unmapped as Record<string, unknown>) };
  const packettrail: Record<string, unknown> = { ...(unmapped.packettrail as Record<string, unknown>), rule: alert.rule };
  if (alert.previous) {
    const p = alert.previous.process;
    packettrail.previous = {
      process: definedOnly({
        pid: p.pid,
        name: p.name,
        executable: p.executable,
        entity_id: p.entityId,
        end: alert.previous.endUs !== undefined ? isoMicros(alert.previous.endUs) : undefined,
      }),
    };
  }
  if (alert.beacon) packettrail.beacon = { period: alert.beacon.periodS, score: alert.beacon.score, count: alert.beacon.count };
  unmapped.packettrail = packettrail;
  const evidence = definedOnly({
    src_endpoint: activity.src_endpoint,
    dst_endpoint: activity.dst_endpoint,
    connection_info: activity.connection_info,
    process: (activity.actor as { process?: unknown } | undefined)?.process,
  });
  return definedOnly({
    class_uid: OCSF_DETECTION_FINDING_CLASS_UID,
    class_name: 'Detection Finding',
    category_uid: OCSF_FINDINGS_CATEGORY_UID,
    category_name: 'Findings',
    activity_id: ACTIVITY_CREATE,
    activity_name: 'Create',
    type_uid: OCSF_DETECTION_FINDING_CLASS_UID * 100 + ACTIVITY_CREATE,
    type_name: 'Detection Finding: Create',
    severity_id: severityId,
    severity: SEVERITY_NAMES[severityId],
    risk_score: alert.riskScore,
    time: Math.floor(ev.timeUs / 1000),
    status_id: 1,
    status: 'New',
    message: alert.reason,
    metadata: { ...(activity.metadata as Record<string, unknown>), uid: alert.id },
    finding_info: {
      uid: alert.id,
      title: alert.description,
      desc: alert.reason,
      types: [alert.rule],
      analytic: { name: alert.rule, desc: alert.description, type_id: 1, type: 'Rule' },
    },
    evidences: [evidence],
    is_alert: true,
    actor: activity.actor,
    device: activity.device,
    unmapped,
  });
}

function definedOnly(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
