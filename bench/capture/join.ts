// Joins ground truth with the sensor's records: which truth connections were recorded,
// with the right process, with some other process, or not at all. Pure.
//
// Ephemeral ports are reused within a run (RST-closed TCP ports at once, UDP ports at random),
// so a tuple alone can name several truth connections. Each record is therefore credited to
// exactly one truth connection with its tuple: the one with the record's pid if there is one,
// else the one nearest in time, and only within windowMs of the truth's realtime stamp.
import { isWildcard, normalizeIp, type SensorRecord } from './ecs-record';
import type { TruthKind, TruthRecord } from './truth';

interface KindCounts {
  truth: number;
  complete: number;
  seen: number;
}

export interface JoinResult {
  /** Truth connections whose connect/sendto succeeded (the denominator). */
  truth: number;
  /** Recorded with the child's pid AND the loadgen executable. */
  complete: number;
  /** Recorded at all: with any process or none. */
  seen: number;
  /** Of the complete: the record carries process.hash.sha256. */
  hashed: number;
  /** Of the seen-but-not-complete: which way the process was wrong. */
  wrongPid: number;
  wrongExecutable: number;
  noProcess: number;
  byKind: Partial<Record<TruthKind, KindCounts>>;
  /** Attribution method of the record that made each complete match. */
  attribution: Record<string, number>;
  /** Sensor records credited to some truth connection / all non-listen records. */
  matchedRecords: number;
  records: number;
  /** Truth connections whose tuple another truth connection of the run also used (port reuse). */
  sharedTuples: number;
  /** Up to 10 truth connections that were not complete, for the report. */
  missedExamples: Array<{ kind: TruthKind; pid: number; localPort: number; remotePort: number; got: string }>;
}

const DEFAULT_WINDOW_MS = 2000;

function key(transport: string, localPort: number, remotePort: number): string {
  return `${transport}/${localPort}/${remotePort}`;
}

function ipMatches(truthIp: string, recIp: string): boolean {
  const t = normalizeIp(truthIp);
  return isWildcard(t) || isWildcard(recIp) || t === recIp;
}

const truthMs = (t: TruthRecord): number => Number(t.realNs / 1_000_000n);

export function joinTruth(truth: readonly TruthRecord[], records: readonly SensorRecord[], executable: string, windowMs: number = DEFAULT_WINDOW_MS): JoinResult {
  const ok = truth.filter((t) => t.ok);
  const byKey = new Map<string, TruthRecord[]>();
  for (const t of ok) {
    const k = key(t.transport, t.localPort, t.remotePort);
    const list = byKey.get(k);
    if (list) list.push(t);
    else byKey.set(k, [t]);
  }
  // Credit each record to one truth connection.
  const credited = new Map<TruthRecord, SensorRecord[]>();
  let considered = 0;
  let matchedRecords = 0;
  for (const r of records) {
    // A listen is no connection; a close is a second record of one already credited.
    if (r.action === 'listen' || r.action === 'connection_closed') continue;
    considered++;
    const cands = (byKey.get(key(r.transport, r.localPort, r.remotePort)) ?? []).filter(
      (t) => ipMatches(t.remoteIp, r.remoteIp) && ipMatches(t.localIp, r.localIp) && (r.timeMs === undefined || Math.abs(r.timeMs - truthMs(t)) <= windowMs),
    );
    if (cands.length === 0) continue;
    const dist = (t: TruthRecord): number => (r.timeMs === undefined ? 0 : Math.abs(r.timeMs - truthMs(t)));
    const samePid = cands.filter((t) => t.pid === r.pid);
    const pool = samePid.length > 0 ? samePid : cands;
    const best = pool.reduce((a, b) => (dist(b) < dist(a) ? b : a));
    matchedRecords++;
    const list = credited.get(best);
    if (list) list.push(r);
    else credited.set(best, [r]);
  }

  const res: JoinResult = {
    truth: 0,
    complete: 0,
    seen: 0,
    hashed: 0,
    wrongPid: 0,
    wrongExecutable: 0,
    noProcess: 0,
    byKind: {},
    attribution: {},
    matchedRecords,
    records: considered,
    sharedTuples: 0,
    missedExamples: [],
  };
  const miss = (t: TruthRecord, got: string): void => {
    if (res.missedExamples.length < 10) res.missedExamples.push({ kind: t.kind, pid: t.pid, localPort: t.localPort, remotePort: t.remotePort, got });
  };
  for (const t of ok) {
    res.truth++;
    if ((byKey.get(key(t.transport, t.localPort, t.remotePort))?.length ?? 0) > 1) res.sharedTuples++;
    const kc = (res.byKind[t.kind] ??= { truth: 0, complete: 0, seen: 0 });
    kc.truth++;
    const recs = credited.get(t) ?? [];
    if (recs.length === 0) {
      miss(t, 'no record');
      continue;
    }
    res.seen++;
    kc.seen++;
    const good = recs.find((r) => r.pid === t.pid && r.executable === executable);
    if (good) {
      res.complete++;
      kc.complete++;
      if (good.sha256 !== undefined) res.hashed++;
      const a = good.attribution ?? 'unset';
      res.attribution[a] = (res.attribution[a] ?? 0) + 1;
      continue;
    }
    const samePid = recs.find((r) => r.pid === t.pid);
    const other = recs.find((r) => r.pid !== undefined);
    if (samePid) {
      res.wrongExecutable++;
      miss(t, `pid ok, executable ${samePid.executable ?? 'missing'}`);
    } else if (other) {
      res.wrongPid++;
      miss(t, `pid ${other.pid} (${other.name ?? '?'} ${other.executable ?? '?'})`);
    } else {
      res.noProcess++;
      miss(t, 'no process');
    }
  }
  return res;
}
