// ECS records written straight into a sink's byte buffer: the same bytes as the reference
// rendering, JSON.stringify(toEcs) (a property test holds the two together), without building
// the line as a string first. One encoder per sink: it owns every cache below.
// Constant parts are encoded once; addresses, ports, times, ids and the process's strings are
// written as they come (most short-lived processes are written once: caching their part
// would only make garbage).
import type { Building } from '../core/building';
import type { ConnectionEvent, ParentInfo, ProcessInfo } from '../core/connection-event';
import { BoundedCache } from './bounded-cache';
import { RepeatBytes } from './repeat-bytes';
import type { ByteWriter } from '../core/byte-writer';
import { CommunityIds, communityIdDigest, writeCommunityId } from './community-id';
import { envJson, eventAndNetworkHead, packettrailProcessJson } from './ecs';
import { toEcs } from './ecs-reference';
import type { FormatEnv } from './env';
import { isoMicros, isoMillis, SecondText } from './timestamp';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

const TIMESTAMP = utf8('{"@timestamp":"');
const QUOTE_BRACE_SOURCE_IP = utf8('"},"source":{"ip":"');
const QUOTE_BRACE_DESTINATION_IP = utf8('"},"destination":{"ip":"');
const BRACE_DESTINATION_IP = utf8('},"destination":{"ip":"');
const PORT = utf8('","port":');
const REMOTE_IP = utf8('},"remote":{"ip":"');
const PREEXISTING = utf8(',"preexisting":true');
const TID = utf8(',"tid":');
const ERRNO = utf8(',"errno":');
const QUOTE_COMMA_QUOTE = utf8('","');
const PROCESS_PID = utf8(',"process":{"pid":');
const NAME = utf8(',"name":');
const EXECUTABLE = utf8(',"executable":');
const COMMAND_LINE = utf8(',"command_line":');
const ARGS = utf8(',"args":');
const START = utf8(',"start":"');
const ENTITY_ID = utf8(',"entity_id":');
const PARENT_PID = utf8(',"parent":{"pid":');
const HASH_SHA256 = utf8(',"hash":{"sha256":"');
const CONTAINER_ID = utf8(',"container":{"id":');
const DOMAIN = utf8(',"domain":');
const DOMAIN_SOURCE = utf8(',"domain_source":"dns_answer"');
const DNS_QUESTION_NAME = utf8(',"dns":{"question":{"name":');
const COMMUNITY_ID = utf8(',"community_id":"');
const BRACE_SOURCE_IP = utf8('},"source":{"ip":"');
const BYTES = utf8(',"bytes":');
const PACKETS = utf8(',"packets":');
const CLOSE_BRACE = 0x7d; // }

const CLOSE_BRACKET = 0x5d; // ]
const QUOTE = 0x22; // "

export class EcsByteEncoder {
  private readonly ids = new CommunityIds();
  private readonly digest = communityIdDigest();
  private readonly headsByText = new Map<string, Heads>();
  private readonly process = new ProcessBytes();
  // Event times apart from process start times (ProcessBytes): one cache would flip between
  // "now" and a long-running process's start second on every other record.
  private readonly eventSecond = new SecondHead();
  /** `}` closing destination, host, agent, ecs, and the opening of related.ip: one piece. */
  private readonly envRelated: Buffer;
  // The packettrail head (`]}` closing related, capture, attribution, local.ip's opening) of
  // the last record: a sensor has one capture tier, and nearly one attribution.
  private lastCapture = '';
  private lastAttribution = '';
  private captureHead: Buffer = Buffer.alloc(0);

  constructor(private readonly env: FormatEnv) {
    this.envRelated = utf8(`}${envJson(env)},"related":{"ip":[`);
  }

  /** Appends the record's line (without a newline) to w. */
  encode(ev: ConnectionEvent, w: ByteWriter): void {
    // Alerts are rare and carry more fields: the reference renders them, around the fast path.
    if (ev.alert) {
      w.utf8(JSON.stringify(toEcs(ev, this.env, this.ids)));
      return;
    }
    const egress = ev.direction === 'egress';
    const source = egress ? ev.local : ev.remote;
    const destination = egress ? ev.remote : ev.local;
    const hasCommunityId = this.ids.hashEvent(ev, this.digest);
    w.bytes(TIMESTAMP);
    writeIsoMicros(w, ev.timeUs, this.eventSecond);
    const heads = this.heads(ev);
    const end = ev.end;
    if (end !== undefined) {
      // A close: its duration inside the event head, its counts at the end of network, source and destination.
      w.bytes(heads.untilDuration);
      w.number(end.durationNs);
      w.bytes(heads.afterDuration);
      if (hasCommunityId) {
        w.bytes(COMMUNITY_ID);
        writeCommunityId(w, this.digest);
        w.byte(QUOTE);
      }
      writeCounts(w, sum(end.bytesOut, end.bytesIn), sum(end.packetsOut, end.packetsIn));
      w.bytes(ev.action !== 'listen' ? BRACE_SOURCE_IP : BRACE_DESTINATION_IP);
    } else if (hasCommunityId) {
      w.bytes(heads.withCommunityId);
      writeCommunityId(w, this.digest);
      if (ev.action !== 'listen') w.bytes(QUOTE_BRACE_SOURCE_IP);
      else w.bytes(QUOTE_BRACE_DESTINATION_IP);
    } else if (ev.action !== 'listen') w.bytes(heads.withSource);
    else w.bytes(heads.withDestination);
    if (ev.action !== 'listen') {
      w.ascii(source.ip);
      w.bytes(PORT);
      w.number(source.port);
      if (!egress && ev.domain !== undefined) writeDomain(w, ev.domain);
      // The initiator's sending: this host's for egress, the peer's for ingress.
      if (end !== undefined) writeCounts(w, egress ? end.bytesOut : end.bytesIn, egress ? end.packetsOut : end.packetsIn);
      w.bytes(BRACE_DESTINATION_IP);
    }
    w.ascii(destination.ip);
    w.bytes(PORT);
    w.number(destination.port);
    if (egress && ev.domain !== undefined) writeDomain(w, ev.domain);
    if (end !== undefined) writeCounts(w, egress ? end.bytesIn : end.bytesOut, egress ? end.packetsIn : end.packetsOut);
    w.bytes(this.envRelated);
    relatedIps(w, ev.local.ip, ev.remote.ip);
    w.bytes(this.captureHeadOf(ev));
    w.ascii(ev.local.ip);
    w.bytes(PORT);
    w.number(ev.local.port);
    w.bytes(REMOTE_IP);
    w.ascii(ev.remote.ip);
    w.bytes(PORT);
    w.number(ev.remote.port);
    w.byte(CLOSE_BRACE);
    if (ev.preexisting) w.bytes(PREEXISTING);
    if (ev.tid !== undefined) {
      w.bytes(TID);
      w.number(ev.tid);
    }
    if (ev.errno !== undefined) {
      w.bytes(ERRNO);
      w.number(ev.errno);
    }
    // Rare (an unlinked executable, a missing hash): the text is made only then.
    if (ev.process?.executableDeleted || ev.process?.hashStatus !== undefined) w.ascii(packettrailProcessJson(ev.process));
    if (ev.domain !== undefined) w.bytes(DOMAIN_SOURCE);
    w.byte(CLOSE_BRACE);
    if (ev.process) this.process.write(w, ev.process);
    if (ev.domain !== undefined) {
      w.bytes(DNS_QUESTION_NAME);
      jsonString(w, ev.domain);
      w.byte(CLOSE_BRACE);
      w.byte(CLOSE_BRACE);
    }
    w.byte(CLOSE_BRACE);
  }

  private heads(ev: ConnectionEvent): Heads {
    // The last few kinds of record, scanned in order: a host's records come in a handful of
    // kinds (connect and accept, UDP send and receive, per family), far fewer than the slots.
    const combos = this.combos;
    for (let i = 0; i < combos.length; i++) if (sameCombo(ev, combos[i]!)) return this.comboHeads[i]!;
    const text = eventAndNetworkHead(ev);
    let h = this.headsByText.get(text);
    if (h === undefined) {
      const split = text.indexOf(NETWORK_OPEN);
      h = {
        withCommunityId: utf8(`${text},"community_id":"`),
        withSource: utf8(`${text}},"source":{"ip":"`),
        withDestination: utf8(`${text}},"destination":{"ip":"`),
        untilDuration: utf8(`${text.slice(0, split)},"duration":`),
        afterDuration: utf8(text.slice(split)),
      };
      if (this.headsByText.size < 1024) this.headsByText.set(text, h);
    }
    const slot = this.nextCombo;
    this.nextCombo = (slot + 1) % COMBO_SLOTS;
    const c = combos[slot]!;
    c.action = ev.action;
    c.outcome = ev.outcome;
    c.transport = ev.transport;
    c.family = ev.family;
    c.direction = ev.direction;
    this.comboHeads[slot] = h;
    return h;
  }

  // Slots start as a combination no record has (an empty action), so they never match.
  private readonly combos: Building<Combo>[] = Array.from({ length: COMBO_SLOTS }, () => ({
    action: '' as Combo['action'],
    outcome: 'unknown',
    transport: 'tcp',
    family: 'ipv4',
    direction: 'egress',
  }));
  private readonly comboHeads: Heads[] = [];
  private nextCombo = 0;

  private captureHeadOf(ev: ConnectionEvent): Buffer {
    if (ev.capture !== this.lastCapture || ev.attribution !== this.lastAttribution) {
      this.lastCapture = ev.capture;
      this.lastAttribution = ev.attribution;
      this.captureHead = utf8(`]},"packettrail":{"capture":"${ev.capture}","attribution":"${ev.attribution}","local":{"ip":"`);
    }
    return this.captureHead;
  }
}

type Combo = Pick<ConnectionEvent, 'action' | 'outcome' | 'transport' | 'family' | 'direction'>;
const COMBO_SLOTS = 8;

function sameCombo(ev: ConnectionEvent, c: Combo): boolean {
  return ev.action === c.action && ev.outcome === c.outcome && ev.transport === c.transport && ev.family === c.family && ev.direction === c.direction;
}

/** Where the event object ends and network begins in a head: a close's duration goes before it. */
const NETWORK_OPEN = '},"network":{';

/** Both ways together, known only when both are. */
function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined ? a + b : undefined;
}

function writeCounts(w: ByteWriter, bytes: number | undefined, packets: number | undefined): void {
  if (bytes !== undefined) {
    w.bytes(BYTES);
    w.number(bytes);
  }
  if (packets !== undefined) {
    w.bytes(PACKETS);
    w.number(packets);
  }
}

function writeDomain(w: ByteWriter, domain: string): void {
  w.bytes(DOMAIN);
  jsonString(w, domain);
}

/** The event/network head of a combination, with what follows it in each case. */
interface Heads {
  withCommunityId: Buffer;
  withSource: Buffer;
  withDestination: Buffer;
  /** A close's head, split where its duration goes; network is left open for its counts. */
  untilDuration: Buffer;
  afterDuration: Buffer;
}

/**
 * JSON.stringify(s), UTF-8: printable ASCII without '"' or '\\' (nearly every name, path and
 * argument) is copied between quotes; anything else goes through JSON.stringify.
 */
function jsonString(w: ByteWriter, s: string): void {
  const n = s.length;
  w.ensure(n + 2);
  const buf = w.buf;
  const start = w.pos;
  buf[start] = QUOTE;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
      w.pos = start;
      w.utf8(JSON.stringify(s));
      return;
    }
    buf[start + 1 + i] = c;
  }
  buf[start + 1 + n] = QUOTE;
  w.pos = start + n + 2;
}

const BACKSLASH = 0x5c;

// Executables and command lines that come again (a program exec'd over and over, a parent of
// many children) are encoded once. Bounded, cleared when full; very long strings are not kept.
const SHARED_MAX = 512;
const SHARED_MAX_LENGTH = 4096;

/** The process, user and container members of records, with the parts that repeat kept as bytes. */
class ProcessBytes {
  // Process parts (process, user, container) and parent parts, by object.
  private readonly repeatedProcesses = new RepeatBytes<ProcessInfo>();
  private readonly repeatedParents = new RepeatBytes<ParentInfo>();
  private readonly programPart = new ProgramPart((w, p) => this.writeProgram(w, p));
  // The user member of the last uid and name written: a host has few users.
  private lastUid = NaN; // matches no uid: the first call builds the part
  private lastUserName: string | undefined;
  private lastUserPart: Buffer = Buffer.alloc(0);
  private readonly sharedStrings = new BoundedCache<string, Buffer>(SHARED_MAX);
  /** Strings written once lately, not (yet) cached. */
  private readonly seenOnce: string[] = ['', '', '', '', '', '', '', ''];
  private nextSeen = 0;
  private readonly startSecond = new SecondHead();

  /** The process, user and container members, as the line encoder's processJson writes them. */
  write(w: ByteWriter, p: ProcessInfo): void {
    const kept = this.repeatedProcesses.get(p);
    if (kept !== undefined) {
      w.bytes(kept);
      return;
    }
    const start = w.pos;
    this.writeParts(w, p);
    if (this.repeatedProcesses.writtenAgain(p)) this.repeatedProcesses.keep(p, w.buf.subarray(start, w.pos));
  }

  private writeParts(w: ByteWriter, p: ProcessInfo): void {
    w.bytes(PROCESS_PID);
    w.number(p.pid);
    this.programPart.write(w, p);
    if (p.startMs !== undefined) {
      w.bytes(START);
      writeIsoMillis(w, p.startMs, this.startSecond);
      w.byte(QUOTE);
    }
    if (p.entityId !== undefined) {
      w.bytes(ENTITY_ID);
      jsonString(w, p.entityId);
    }
    if (p.sha256 !== undefined) writeSha256(w, p.sha256);
    if (p.parent) this.writeParent(w, p.parent);
    w.byte(CLOSE_BRACE);
    if (p.uid !== undefined) w.bytes(this.userPart(p.uid, p.userName));
    if (p.containerId) {
      w.bytes(CONTAINER_ID);
      jsonString(w, p.containerId);
      w.byte(CLOSE_BRACE);
    }
  }

  /** name, executable, command_line and args (from the `,"name":` on). */
  private writeProgram(w: ByteWriter, p: ProcessInfo): void {
    w.bytes(NAME);
    jsonString(w, p.name);
    if (p.executable !== undefined) {
      w.bytes(EXECUTABLE);
      this.writeShared(w, p.executable);
    }
    if (p.commandLine !== undefined) {
      w.bytes(COMMAND_LINE);
      this.writeShared(w, p.commandLine);
    }
    if (p.args !== undefined) {
      w.bytes(ARGS);
      writeArgs(w, p.args);
    }
  }

  /** `,"user":{"id":"UID","name":NAME}` (no name when unknown), as the line encoder writes it. */
  private userPart(uid: number, userName: string | undefined): Buffer {
    if (uid !== this.lastUid || userName !== this.lastUserName) {
      this.lastUid = uid;
      this.lastUserName = userName;
      this.lastUserPart = utf8(`,"user":{"id":"${uid}"${userName !== undefined ? `,"name":${JSON.stringify(userName)}}` : '}'}`);
    }
    return this.lastUserPart;
  }

  /** process.parent: forked children share one ParentInfo, written once for all of them. */
  private writeParent(w: ByteWriter, par: ParentInfo): void {
    const kept = this.repeatedParents.get(par);
    if (kept !== undefined) {
      w.bytes(kept);
      return;
    }
    const start = w.pos;
    w.bytes(PARENT_PID);
    w.number(par.pid);
    if (par.name !== undefined) {
      w.bytes(NAME);
      jsonString(w, par.name);
    }
    if (par.executable !== undefined) {
      w.bytes(EXECUTABLE);
      this.writeShared(w, par.executable);
    }
    if (par.entityId !== undefined) {
      w.bytes(ENTITY_ID);
      jsonString(w, par.entityId);
    }
    if (par.sha256 !== undefined) writeSha256(w, par.sha256);
    w.byte(CLOSE_BRACE);
    if (this.repeatedParents.writtenAgain(par)) this.repeatedParents.keep(par, w.buf.subarray(start, w.pos));
  }

  private writeShared(w: ByteWriter, s: string): void {
    const b = this.sharedStrings.get(s);
    if (b !== undefined) {
      w.bytes(b);
      return;
    }
    // Encoded once it comes a second time: an exec'd process's command line is its own, and
    // caching each would be a string, a buffer and a map entry of garbage per process.
    if (s.length <= SHARED_MAX_LENGTH && this.seenOnce.includes(s)) this.sharedStrings.set(s, utf8(JSON.stringify(s)));
    else {
      this.seenOnce[this.nextSeen] = s;
      this.nextSeen = (this.nextSeen + 1) % this.seenOnce.length;
    }
    jsonString(w, s);
  }
}

/**
 * The program parts of the last few programs written. Forked children of one parent have the
 * same name, executable, command line and args (the very strings and array), and so do the
 * processes exec'd from one command line by the ebpf tier (its decoder hands out one array per
 * argv): from a program's third record on, its part is copied, not encoded. Slots, because a
 * host's records interleave a few programs (the load generator's three kinds of child).
 */
class ProgramPart {
  private readonly slots: ProgramSlot[] = Array.from({ length: PROGRAM_SLOTS }, () => ({
    name: undefined,
    executable: undefined,
    commandLine: undefined,
    args: undefined,
    times: 0,
    bytes: undefined,
  }));
  private next = 0;

  constructor(private readonly writeProgram: (w: ByteWriter, p: ProcessInfo) => void) {}

  write(w: ByteWriter, p: ProcessInfo): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      if (p.args !== slot.args || p.name !== slot.name || p.executable !== slot.executable || p.commandLine !== slot.commandLine) continue;
      if (slot.bytes !== undefined) {
        w.bytes(slot.bytes);
        return;
      }
      const start = w.pos;
      this.writeProgram(w, p);
      if (++slot.times >= 2) slot.bytes = Buffer.from(w.buf.subarray(start, w.pos));
      return;
    }
    const slot = slots[this.next]!;
    this.next = (this.next + 1) % slots.length;
    slot.name = p.name;
    slot.executable = p.executable;
    slot.commandLine = p.commandLine;
    slot.args = p.args;
    slot.times = 0;
    slot.bytes = undefined;
    this.writeProgram(w, p);
  }
}

interface ProgramSlot {
  name: string | undefined;
  executable: string | undefined;
  commandLine: string | undefined;
  args: readonly string[] | undefined;
  times: number;
  bytes: Buffer | undefined;
}

const PROGRAM_SLOTS = 4;

// Not cached here: a family of forked children shares its argv through ProgramPart, and an
// exec'd process has an array of its own.
function writeArgs(w: ByteWriter, args: readonly string[]): void {
  w.byte(OPEN_BRACKET);
  for (let i = 0; i < args.length; i++) {
    if (i > 0) w.byte(COMMA);
    jsonString(w, args[i]!);
  }
  w.byte(CLOSE_BRACKET);
}

const OPEN_BRACKET = 0x5b; // [
const COMMA = 0x2c; // ,

// isoMicros / isoMillis written as bytes: the second's text encoded once, the fraction as
// digits, no string per record. Anything unusual (negative, fractional, far years) takes the
// string functions, so the bytes are always theirs.
/** The last two seconds asked for, as bytes: records alternate between two (a server's old start time and its clients' new ones, or both sides of a second boundary). */
class SecondHead {
  private readonly text = new SecondText();
  private sec = NaN;
  private bytes: Buffer | undefined;
  private prevSec = NaN;
  private prevBytes: Buffer | undefined;

  /** "2026-11-26T15:20:27." of epoch second sec as bytes; undefined outside years 0000-9999. */
  get(sec: number): Buffer | undefined {
    if (sec === this.sec) return this.bytes;
    if (sec === this.prevSec) return this.prevBytes;
    const t = this.text.get(sec);
    this.prevSec = this.sec;
    this.prevBytes = this.bytes;
    this.sec = sec;
    this.bytes = t === undefined ? undefined : utf8(t);
    return this.bytes;
  }
}

function writeIsoMicros(w: ByteWriter, timeUs: number, eventSecond: SecondHead): void {
  const ms = Math.floor(timeUs / 1000);
  const sec = Math.floor(ms / 1000);
  const head = timeUs >= 0 ? eventSecond.get(sec) : undefined;
  if (head === undefined) {
    w.ascii(isoMicros(timeUs));
    return;
  }
  w.bytes(head);
  digits3(w, ms - sec * 1000);
  digits3(w, Math.floor(timeUs) % 1000);
  w.byte(0x5a); // Z
}

function writeIsoMillis(w: ByteWriter, ms: number, startSecond: SecondHead): void {
  const sec = Math.floor(ms / 1000);
  const head = ms >= 0 && Number.isInteger(ms) ? startSecond.get(sec) : undefined;
  if (head === undefined) {
    w.ascii(isoMillis(ms));
    return;
  }
  w.bytes(head);
  digits3(w, ms - sec * 1000);
  w.byte(0x5a); // Z
}

/** n in 0..999 as three digits. */
function digits3(w: ByteWriter, n: number): void {
  w.ensure(3);
  const buf = w.buf;
  const at = w.pos;
  buf[at] = 48 + Math.floor(n / 100);
  buf[at + 1] = 48 + (Math.floor(n / 10) % 10);
  buf[at + 2] = 48 + (n % 10);
  w.pos = at + 3;
}

/** related.ip's members as ecsLine writes them (the brackets are the caller's): local and remote, without wildcards or a repeat. */
function relatedIps(w: ByteWriter, local: string, remote: string): void {
  const l = local !== '0.0.0.0' && local !== '::';
  const r = remote !== '0.0.0.0' && remote !== '::' && remote !== local;
  if (l) {
    w.byte(QUOTE);
    w.ascii(local);
    if (r) {
      w.bytes(QUOTE_COMMA_QUOTE);
      w.ascii(remote);
    }
    w.byte(QUOTE);
  } else if (r) {
    w.byte(QUOTE);
    w.ascii(remote);
    w.byte(QUOTE);
  }
}

/** `,"hash":{"sha256":"HEX"}`: the hasher's lower-case hex needs no escaping. */
function writeSha256(w: ByteWriter, sha256: string): void {
  w.bytes(HASH_SHA256);
  w.ascii(sha256);
  w.byte(QUOTE);
  w.byte(CLOSE_BRACE);
}
