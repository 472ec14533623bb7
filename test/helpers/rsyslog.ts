// A real rsyslogd receiver for tests: its own temp dir, config, CA and server certificate,
// inputs on free 127.0.0.1 ports (UDP, TCP with octet counting, TLS, RELP) and one JSON
// object per received message in a file. Stop it by pid; `cleanup()` in after() makes sure
// no rsyslogd started here survives a failed test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Received {
  pri: number;
  host: string;
  app: string;
  procid: string;
  msgid: string;
  /** STRUCTURED-DATA as rsyslog parsed it (raw text, `-` when none). */
  sd: string;
  msg: string;
  /** The message as received (without the octet count). */
  raw: string;
  /** udp | tcp | tls | relp */
  input: string;
}

export interface RsyslogPorts {
  udp: number;
  tcp: number;
  tls: number;
  relp: number;
}

const started = new Set<number>();
// Last line of defence: a test process that exits without cleanup still kills its receivers.
process.on('exit', () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

export class Rsyslog {
  readonly dir: string;
  readonly ports: RsyslogPorts;
  readonly caFile: string;
  readonly outFile: string;
  /** RELP messages go to their own file (their own, durable ruleset): one writer per file. */
  readonly relpOutFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  private constructor(dir: string, ports: RsyslogPorts) {
    this.dir = dir;
    this.ports = ports;
    this.caFile = path.join(dir, 'ca.pem');
    this.outFile = path.join(dir, 'received.jsonl');
    this.relpOutFile = path.join(dir, 'received-relp.jsonl');
  }

  /** Makes the temp dir, certificates and config, and checks the config with `rsyslogd -N1`. Does not start. */
  static async create(): Promise<Rsyslog> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-rsyslog-'));
    try {
      const ports: RsyslogPorts = { udp: await freePort(), tcp: await freePort(), tls: await freePort(), relp: await freePort() };
      const rs = new Rsyslog(dir, ports);
      makeCertificates(dir);
      fs.writeFileSync(rs.confFile, rs.config());
      const check = spawnSync('rsyslogd', ['-N1', '-f', rs.confFile], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`rsyslogd -N1 rejected the config: ${check.stderr}${check.stdout}`);
      return rs;
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get confFile(): string {
    return path.join(this.dir, 'rsyslog.conf');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private config(): string {
    const d = this.dir;
    return `
global(workDirectory="${d}" maxMessageSize="64k" parser.escapeControlCharactersOnReceive="off"
  defaultNetstreamDriverCAFile="${d}/ca.pem" defaultNetstreamDriverCertFile="${d}/server.pem"
  defaultNetstreamDriverKeyFile="${d}/server.key")
module(load="imudp")
module(load="imtcp" maxSessions="200")
module(load="imrelp")
input(type="imudp" name="udp" address="127.0.0.1" port="${this.ports.udp}")
input(type="imtcp" name="tcp" address="127.0.0.1" port="${this.ports.tcp}")
input(type="imtcp" name="tls" address="127.0.0.1" port="${this.ports.tls}"
  streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imrelp" name="relp" address="127.0.0.1" port="${this.ports.relp}" maxDataSize="70000" ruleset="relpDurable")
template(name="ptJson" type="list" option.jsonf="on") {
  property(outname="pri" name="pri" format="jsonf")
  property(outname="host" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="raw" name="rawmsg" format="jsonf")
  property(outname="input" name="inputname" format="jsonf")
}
action(type="omfile" file="${this.outFile}" template="ptJson")
# RELP acknowledges a message once the receiver holds it: with rsyslog's default in-memory
# queue a crash (SIGKILL) loses acknowledged messages. A Direct queue writes the file before
# the acknowledgement, as a receiver that relies on RELP is configured.
ruleset(name="relpDurable" queue.type="Direct") {
  action(type="omfile" file="${this.relpOutFile}" template="ptJson")
}
`;
  }

  /** Starts rsyslogd in the foreground and waits until every input is bound. */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.child) throw new Error('rsyslogd already running');
    const log = fs.openSync(path.join(this.dir, 'rsyslogd.log'), 'a');
    const child = spawn('rsyslogd', ['-n', '-f', this.confFile, '-i', path.join(this.dir, 'rsyslogd.pid')], {
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.child = child;
    if (child.pid !== undefined) started.add(child.pid);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rsyslogd exited at start: ${this.log()}`);
      if ((await this.inputsBound()) === true) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`rsyslogd inputs not bound within ${timeoutMs} ms: ${this.log()}`);
      }
      await sleep(50);
    }
  }

  private async inputsBound(): Promise<boolean> {
    for (const port of [this.ports.tcp, this.ports.tls, this.ports.relp]) {
      if (!(await tcpAccepts(port))) return false;
    }
    return udpBound(this.ports.udp);
  }

  /** SIGSTOP by pid: rsyslogd stops reading, what clients write waits in its socket buffers. */
  pause(): void {
    const pid = this.child?.pid;
    if (pid !== undefined) process.kill(pid, 'SIGSTOP');
  }

  /** SIGKILL by pid (a crash: what rsyslogd had read but not written is lost), wait for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.exited;
    started.delete(child.pid);
    this.child = undefined;
  }

  /** SIGTERM by pid, wait for the exit (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    const t0 = Date.now();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([this.exited!.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 10_000)))]);
      clearTimeout(timer);
      if (!killed) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    started.delete(child.pid);
    this.child = undefined;
    if (process.env.PT_RSYSLOG_DEBUG) console.error(`rsyslogd ${child.pid} stopped in ${Date.now() - t0} ms`);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the receiver and removes its directory. Safe to call twice. */
  async cleanup(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'rsyslogd.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  /** Messages received from clients so far (rsyslogd's own status messages left out). */
  async received(): Promise<Received[]> {
    let text = '';
    for (const file of [this.outFile, this.relpOutFile]) {
      try {
        text += `${await fs.promises.readFile(file, 'utf8')}\n`;
      } catch {
        // not written yet
      }
    }
    const out: Received[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let o: Record<string, string>;
      try {
        o = JSON.parse(line) as Record<string, string>;
      } catch {
        // The line being written right now, or one a SIGKILLed rsyslogd left half written,
        // which the first line written after its restart continues: keep that whole record.
        const at = line.lastIndexOf('{"pri":');
        try {
          if (at <= 0) continue;
          o = JSON.parse(line.slice(at)) as Record<string, string>;
        } catch {
          continue;
        }
      }
      if (o.input === 'rsyslogd' || o.input === 'imuxsock') continue;
      out.push({ pri: Number(o.pri), host: o.host!, app: o.app!, procid: o.procid!, msgid: o.msgid!, sd: o.sd!, msg: o.msg!, raw: o.raw!, input: o.input! });
    }
    return out;
  }

  /** Waits until at least `n` messages (that pass `filter`) arrived; throws naming the count on timeout. */
  async waitFor(n: number, timeoutMs: number, filter: (r: Received) => boolean = () => true): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = (await this.received()).filter(filter);
      if (got.length >= n) return got;
      if (Date.now() > deadline) throw new Error(`rsyslog received ${got.length} of ${n} messages within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

/** A port free on 127.0.0.1 for both TCP and UDP right now. */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port found');
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function udpBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = fs.readFileSync('/proc/net/udp', 'utf8');
  return table.split('\n').some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex));
}

/** A CA and a server certificate for localhost / 127.0.0.1, signed by it (openssl CLI). */
function makeCertificates(dir: string): void {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=packetTrail test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Parses RFC 5424 STRUCTURED-DATA into elements of params, decoding values the way
 * packetTrail writes them: `\"`, `\\`, `\]` and `\xHH` (a control character). A param that
 * repeats (origin ip) keeps every value. Returns an Error for text that is not valid SD.
 */
export function parseStructuredData(sd: string): Map<string, Map<string, string[]>> | Error {
  const out = new Map<string, Map<string, string[]>>();
  if (sd === '-') return out;
  let i = 0;
  while (i < sd.length) {
    if (sd[i] !== '[') return new Error(`expected [ at ${i}`);
    i++;
    const idEnd = sd.slice(i).search(/[ \]]/);
    if (idEnd < 0) return new Error('unterminated SD-ID');
    const id = sd.slice(i, i + idEnd);
    i += idEnd;
    const params = new Map<string, string[]>();
    if (out.has(id)) return new Error(`SD-ID ${id} repeated`);
    out.set(id, params);
    while (sd[i] === ' ') {
      i++;
      const eq = sd.indexOf('="', i);
      if (eq < 0) return new Error(`param without value at ${i}`);
      const name = sd.slice(i, eq);
      if (!/^[^= \]"]{1,32}$/.test(name)) return new Error(`bad param name ${JSON.stringify(name)}`);
      i = eq + 2;
      let value = '';
      for (;;) {
        if (i >= sd.length) return new Error('unterminated value');
        const ch = sd[i]!;
        if (ch === '"') break;
        if (ch === '\\' && i + 1 < sd.length) {
          const nx = sd[i + 1]!;
          if (nx === '"' || nx === '\\' || nx === ']') {
            value += nx;
            i += 2;
            continue;
          }
          const hex = /^x([0-9a-f]{2})/.exec(sd.slice(i + 1, i + 4));
          if (hex) {
            value += String.fromCharCode(parseInt(hex[1]!, 16));
            i += 4;
            continue;
          }
        }
        if (ch === ']') return new Error(`unescaped ] in value at ${i}`);
        value += ch;
        i++;
      }
      i++; // closing quote
      params.set(name, [...(params.get(name) ?? []), value]);
    }
    if (sd[i] !== ']') return new Error(`expected ] at ${i}`);
    i++;
  }
  return out;
}

/** Splits an RFC 5424 line into header fields, SD text and MSG (for lines not yet received by rsyslog). */
export function splitRfc5424(
  line: string,
): { pri: number; version: string; timestamp: string; host: string; app: string; procid: string; msgid: string; sd: string; msg: string } | Error {
  const m = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(line);
  if (!m) return new Error('bad header');
  const rest = line.slice(m[0].length);
  let sdEnd: number;
  if (rest.startsWith('-')) sdEnd = 1;
  else {
    // Find the end of the SD: walk elements, honouring escapes inside quoted values.
    let i = 0;
    let inValue = false;
    for (; i < rest.length; i++) {
      const ch = rest[i]!;
      if (inValue) {
        if (ch === '\\') i++;
        else if (ch === '"') inValue = false;
      } else if (ch === '"') inValue = true;
      else if (ch === ']' && rest[i + 1] !== '[') break;
    }
    sdEnd = i + 1;
  }
  return { pri: Number(m[1]), version: m[2]!, timestamp: m[3]!, host: m[4]!, app: m[5]!, procid: m[6]!, msgid: m[7]!, sd: rest.slice(0, sdEnd), msg: rest.slice(sdEnd + 1) };
}
