// A child process that writes numbered records into a store as fast as the sink takes them,
// for the crash and concurrent-read tests. Record i carries i as its thread id and the wall
// clock as its time. argv: STORE_PATH COMMIT_INTERVAL_MS
import { silentLogger } from '../../../src/core/context';
import { createStoreSink } from '../../../src/sinks/store';
import { egressEvent } from '../../helpers/events';

const [path, interval] = process.argv.slice(2) as [string, string];
const sink = createStoreSink({ path, retention: { maxAgeMs: 0, maxBytes: 0 }, logger: silentLogger, commitIntervalMs: Number(interval) });
const proc = egressEvent().process!;
let i = 0;
setInterval(() => {
  for (let k = 0; k < 50; k++, i++) sink.write(egressEvent({ timeUs: Date.now() * 1000, tid: i, process: proc }));
}, 1);
setTimeout(() => process.stdout.write('writing\n'), 300);
