// The `--syslog` value: `udp://h:p | tcp://h:p | tls://h:p | relp://h:p`. Bad values are
// usage errors that name the value and what is expected; the rules are the config's.
import { PtError } from '../../core/errors';
import { parseSyslogEndpoint, type SyslogScheme, type SyslogTarget } from '../../config/endpoint';

export type { SyslogScheme, SyslogTarget };

export function parseSyslogUrl(url: string): SyslogTarget {
  const checked = parseSyslogEndpoint(url);
  if (!checked.ok) throw new PtError('E_USAGE', `syslog URL ${JSON.stringify(url)}: ${checked.problem}`);
  return checked.value;
}
