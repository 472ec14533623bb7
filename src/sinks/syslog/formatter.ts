// Renders records for a syslog target: the line format the sink names, capped at what one
// frame of its transport may carry.
import type { ConnectionEvent } from '../../core/connection-event';
import type { FormatEnv } from '../../format/env';
import { Rfc3164LineEncoder } from '../../format/rfc3164';
import { Rfc5424LineEncoder } from '../../format/rfc5424';
import { seedLine } from '../../format/seed';

export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'seed';

const SEQUENCE_MAX = 2_147_483_647;

/** Renders one record for a syslog target; keeps the RFC 5424 sequenceId (1..2^31-1, wrapping). */
export function createSyslogFormatter(format: SyslogFormat, env: FormatEnv, maxBytes: number): (ev: ConnectionEvent) => string {
  let seq = 0;
  switch (format) {
    case 'rfc5424': {
      // One env object, its sequenceId advanced per record; one encoder per sink owns the caches.
      const e = { ...env, sequenceId: 0, maxBytes };
      const encoder = new Rfc5424LineEncoder(e);
      return (ev) => {
        seq = seq >= SEQUENCE_MAX ? 1 : seq + 1;
        e.sequenceId = seq;
        return encoder.line(ev);
      };
    }
    case 'rfc3164': {
      const encoder = new Rfc3164LineEncoder({ ...env, maxBytes });
      return (ev) => encoder.line(ev);
    }
    case 'seed':
      return (ev) => seedLine(ev, env);
  }
}
