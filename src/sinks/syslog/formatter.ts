// Renders records for a syslog target: the line format the sink names, capped at what one
// frame of its transport may carry.
import type { ConnectionEvent } from '../../core/connection-event';
import type { FormatEnv } from '../../format/env';
import { rfc3164Line } from '../../format/rfc3164';
import { rfc5424Line } from '../../format/rfc5424';
import { seedLine } from '../../format/seed';

export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'seed';

const SEQUENCE_MAX = 2_147_483_647;

/** Renders one record for a syslog target; keeps the RFC 5424 sequenceId (1..2^31-1, wrapping). */
export function createSyslogFormatter(format: SyslogFormat, env: FormatEnv, maxBytes: number): (ev: ConnectionEvent) => string {
  let seq = 0;
  switch (format) {
    case 'rfc5424': {
      // One env object, its sequenceId advanced per record (no object per record).
      const e = { ...env, sequenceId: 0, maxBytes };
      return (ev) => {
        seq = seq >= SEQUENCE_MAX ? 1 : seq + 1;
        e.sequenceId = seq;
        return rfc5424Line(ev, e);
      };
    }
    case 'rfc3164': {
      const e = { ...env, maxBytes };
      return (ev) => rfc3164Line(ev, e);
    }
    case 'seed':
      return (ev) => seedLine(ev, env);
  }
}
