// `packettrail query`: connections from the store, filtered, as a table, CSV or ECS lines, or
// counted by one field. It reads through a read-only connection, so it runs while the sensor
// writes and never holds the sensor up.
import { systemClock } from '../../core/context';
import { createRecordFormatter } from '../../format/registry';
import { detectHostInfo } from '../../process/host-info';
import { countBy, openStoreReadOnly, readHostMeta, searchConnections } from '../../sinks/store';
import { defaultStorePath } from '../run-config';
import { StdoutWriter } from '../stdout-writer';
import { AGENT_VERSION } from '../version';
import { parseQueryFlags, type QueryFlags } from './query-args';
import { CSV_EVENT_HEADER, countCells, countJson, csvCountHeader, csvLine, eventCells, renderCountTable, renderEventTable } from './query-render';

export type { QueryFlags } from './query-args';

export async function queryCommand(flags: QueryFlags): Promise<number> {
  const req = parseQueryFlags(flags, systemClock.nowUs());
  const db = openStoreReadOnly(flags.store ?? defaultStorePath());
  const out = new StdoutWriter();
  const width = process.stdout.isTTY ? process.stdout.columns || 120 : Number.MAX_SAFE_INTEGER;
  try {
    if (req.countBy) {
      const rows = countBy(db, req.countBy, req.filter, req.limit);
      if (req.output === 'json') for (const r of rows) out.line(countJson(req.countBy, r));
      else if (req.output === 'csv') {
        out.line(csvLine(csvCountHeader(req.countBy)));
        for (const r of rows) out.line(csvLine(countCells(r)));
      } else out.line(renderCountTable(req.countBy, rows, width).trimEnd());
      return 0;
    }
    const events = searchConnections(db, req.filter, { limit: req.limit });
    if (req.output === 'json') {
      const env = { host: readHostMeta(db) ?? detectHostInfo(), agentVersion: AGENT_VERSION };
      const ecs = createRecordFormatter('ecs', env);
      for (const ev of events) out.line(ecs.line(ev));
    } else if (req.output === 'csv') {
      out.line(csvLine(CSV_EVENT_HEADER));
      for (const ev of events) out.line(csvLine(eventCells(ev)));
    } else out.line(renderEventTable([...events], width).trimEnd());
    return 0;
  } finally {
    out.flush();
    db.close();
  }
}
