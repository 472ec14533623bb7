// A finding's fields as flat name/value pairs, in one order, for the formats that are lists
// of pairs (seed and RFC 3164 key=value, RFC 5424 SD-PARAMs, the Sigma record). Absent
// values are left out.
import type { Alert } from '../core/alert';
import { isoMicros } from './timestamp';

export type AlertPair = readonly [name: string, value: string | number];

export function alertPairs(alert: Alert): readonly AlertPair[] {
  const out: AlertPair[] = [
    ['rule', alert.rule],
    ['reason', alert.reason],
    ['description', alert.description],
    ['severity', alert.severity],
    ['riskScore', alert.riskScore],
    ['alertId', alert.id],
  ];
  const previous = alert.previous;
  if (previous) {
    const p = previous.process;
    out.push(['prevPid', p.pid], ['prevName', p.name]);
    if (p.executable !== undefined) out.push(['prevExe', p.executable]);
    if (p.entityId !== undefined) out.push(['prevEntityId', p.entityId]);
    if (previous.endUs !== undefined) out.push(['prevEnd', isoMicros(previous.endUs)]);
  }
  const beacon = alert.beacon;
  if (beacon) out.push(['beaconPeriod', beacon.periodS], ['beaconScore', beacon.score], ['beaconCount', beacon.count]);
  return out;
}
