// Turns a finding into the record that carries it: the completing connection with `alert`
// set. The id is a hash of rule and key, so a re-run over the same history (`hunt`, or the
// sensor after a restart) names the same finding the same way.
import { createHash } from 'node:crypto';
import type { ConnectionEvent } from '../core/connection-event';
import type { Alert, RuleName } from '../core/alert';
import type { Finding } from './finding';

interface RuleInfo {
  readonly description: string;
  readonly severity: number;
  readonly riskScore: number;
}

const RULES: Readonly<Record<RuleName, RuleInfo>> = {
  handoff: {
    description: 'An address reached by a process that exited was reached soon after by a different executable',
    severity: 3,
    riskScore: 73,
  },
  first_seen: {
    description: 'An executable talked with a remote address and port it was never seen with',
    severity: 2,
    riskScore: 21,
  },
  new_listener: {
    description: 'An executable listens on a port it was never seen listening on',
    severity: 2,
    riskScore: 47,
  },
  beacon: {
    description: 'An executable reaches the same remote address at regular intervals',
    severity: 3,
    riskScore: 63,
  },
};

export function alertId(rule: RuleName, key: string): string {
  return createHash('sha256').update(rule).update('\0').update(key).digest('hex').slice(0, 32);
}

export function alertEvent(f: Finding, id: string = alertId(f.rule, f.key)): ConnectionEvent {
  const info = RULES[f.rule];
  const alert: Alert = {
    rule: f.rule,
    description: info.description,
    reason: f.reason,
    severity: info.severity,
    riskScore: info.riskScore,
    id,
    ...(f.previous ? { previous: f.previous } : {}),
    ...(f.beacon ? { beacon: f.beacon } : {}),
  };
  return { ...f.ev, alert };
}

/** `ip:port`, with brackets around an IPv6 address. */
export function endpointText(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
