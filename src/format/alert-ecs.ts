// The ECS fields of a detector's finding, added to the connection document the reference
// rendering builds (ecs-reference.ts): event.kind "alert", the rule, why, how bad, and the
// handoff's earlier process or the beacon's period.
import type { Alert } from '../core/alert';
import { isoMicros } from './timestamp';

export function addEcsAlertFields(doc: Record<string, unknown>, alert: Alert): void {
  const event = doc.event as Record<string, unknown>;
  event.kind = 'alert';
  event.category = ['network', 'intrusion_detection'];
  event.type = ['info'];
  event.reason = alert.reason;
  event.severity = alert.severity;
  event.risk_score = alert.riskScore;
  event.id = alert.id;
  doc.rule = { name: alert.rule, description: alert.description };
  const packettrail = doc.packettrail as Record<string, unknown>;
  const previous = alert.previous;
  if (previous) {
    const p = previous.process;
    packettrail.previous = {
      process: dropUndefined({
        pid: p.pid,
        name: p.name,
        executable: p.executable,
        entity_id: p.entityId,
        end: previous.endUs !== undefined ? isoMicros(previous.endUs) : undefined,
      }),
    };
  }
  if (alert.beacon) packettrail.beacon = { period: alert.beacon.periodS, score: alert.beacon.score, count: alert.beacon.count };
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
