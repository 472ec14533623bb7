// Runs the built loadgen once and returns its summary and ground truth.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { track } from './children';
import { parseLoadgenSummary, parseTruthFile, type LoadgenSummary, type TruthRecord } from './truth';

export interface LoadgenOptions {
  binary: string;
  /** Directory for the truth and listener files. */
  workDir: string;
  /** Connections per second; 0 forks as fast as the machine can. */
  rate: number;
  /** Stop after this many connections (0: no count limit). */
  count?: number;
  /** Stop after this many seconds (0: no time limit). At least one of count/seconds must be set. */
  seconds?: number;
  mix?: string;
  /** Exec the binary again in each child instead of only forking. */
  exec?: boolean;
  listenerLog?: boolean;
  maxInflight?: number;
}

interface ListenerSeen {
  kind: string;
  peerIp: string;
  peerPort: number;
}

export interface LoadgenRun {
  summary: LoadgenSummary;
  truth: TruthRecord[];
  truthErrors: string[];
  listener: ListenerSeen[];
  truthPath: string;
}

function loadgenArgs(o: LoadgenOptions, truthPath: string, listenerPath?: string): string[] {
  const args = ['--truth', truthPath, '--rate', String(o.rate)];
  if (o.count) args.push('--count', String(o.count));
  if (o.seconds) args.push('--seconds', String(o.seconds));
  if (o.mix) args.push('--mix', o.mix);
  if (o.exec) args.push('--exec');
  if (o.maxInflight) args.push('--max-inflight', String(o.maxInflight));
  if (listenerPath) args.push('--listener-log', listenerPath);
  return args;
}

export function runLoadgen(o: LoadgenOptions): Promise<LoadgenRun> {
  const truthPath = path.join(o.workDir, 'truth.jsonl');
  const listenerPath = o.listenerLog ? path.join(o.workDir, 'listener.jsonl') : undefined;
  const child = track(spawn(o.binary, loadgenArgs(o, truthPath, listenerPath), { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`loadgen exited ${code ?? signal}: ${err.trim()}`));
      const summary = parseLoadgenSummary(out.trim().split('\n').pop() ?? '');
      if (summary instanceof Error) return reject(summary);
      const truth = parseTruthFile(fs.readFileSync(truthPath, 'utf8'));
      const listener: ListenerSeen[] = [];
      if (listenerPath) {
        for (const line of fs.readFileSync(listenerPath, 'utf8').split('\n')) {
          if (!line) continue;
          const o2 = JSON.parse(line) as { kind: string; peer_ip: string; peer_port: number };
          listener.push({ kind: o2.kind, peerIp: o2.peer_ip, peerPort: o2.peer_port });
        }
      }
      resolve({ summary, truth: truth.records, truthErrors: truth.errors, listener, truthPath });
    });
  });
}
