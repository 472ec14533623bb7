// `packettrail snapshot [--json]`: the sockets open now, with their processes.
import { systemClock } from '../../core/context';
import { detectHostInfo } from '../../process/host-info';
import { takeSnapshot } from '../../capture/snapshot/snapshot';
import { entryToEvent, listeningPorts } from '../../capture/snapshot/events';
import { UserNames } from '../../process/users';
import { ecsLine } from '../../format/ecs';
import { renderSnapshotTable } from './snapshot-table';
import { AGENT_VERSION } from '../version';
import { StdoutWriter } from '../stdout-writer';

export async function snapshotCommand(flags: { json?: boolean }): Promise<number> {
  const host = detectHostInfo();
  const entries = takeSnapshot({ hostId: host.id, bootTimeMs: host.bootTimeMs, users: new UserNames() });
  if (!flags.json) {
    await writeOut(renderSnapshotTable(entries));
    return 0;
  }
  const listening = listeningPorts(entries);
  const now = systemClock.nowUs();
  const env = { host, agentVersion: AGENT_VERSION };
  const out = new StdoutWriter();
  for (const e of entries) {
    const ev = entryToEvent(e, listening, now, 'poll', true);
    if (ev) out.line(ecsLine(ev, env));
  }
  out.flush();
  return 0;
}

function writeOut(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}
