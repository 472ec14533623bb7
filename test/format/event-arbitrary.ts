// Any ConnectionEvent, hostile strings included, for the formats' property tests.
import fc from 'fast-check';
import type { ConnectionEvent } from '../../src/core/connection-event';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const sha256 = fc.stringMatching(/^[0-9a-f]{64}$/);
const endpoint = fc.record({ ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('0.0.0.0'), fc.constant('::')), port: fc.integer({ min: 0, max: 65535 }) });

export const eventArb: fc.Arbitrary<ConnectionEvent> = fc.record({
  timeUs: fc.integer({ min: 0, max: 4_000_000_000_000_000 }),
  action: fc.constantFrom('connection_attempted', 'connection_accepted', 'udp_flow', 'listen', 'connection_closed'),
  outcome: fc.constantFrom('success', 'failure', 'unknown'),
  transport: fc.constantFrom('tcp', 'udp'),
  family: fc.constantFrom('ipv4', 'ipv6'),
  direction: fc.constantFrom('egress', 'ingress'),
  local: endpoint,
  remote: endpoint,
  capture: fc.constantFrom('ebpf', 'tracefs', 'poll'),
  attribution: fc.constantFrom('syscall', 'socket-owner', 'inferred', 'unknown'),
  preexisting: maybe(fc.boolean()),
  tid: maybe(fc.nat()),
  errno: maybe(fc.nat(200)),
  domain: maybe(fc.oneof(fc.domain(), text)),
  end: maybe(
    fc.record({
      durationNs: fc.nat(),
      bytesOut: maybe(fc.nat()),
      bytesIn: maybe(fc.nat()),
      packetsOut: maybe(fc.nat()),
      packetsIn: maybe(fc.nat()),
    }),
  ),
  process: maybe(
    fc.record({
      pid: fc.nat(),
      name: text,
      executable: maybe(text),
      executableDeleted: maybe(fc.boolean()),
      commandLine: maybe(text),
      args: maybe(fc.array(text, { maxLength: 4 })),
      startMs: maybe(fc.integer({ min: 0, max: 4_000_000_000_000 })),
      entityId: maybe(text),
      parent: maybe(fc.record({ pid: fc.nat(), name: maybe(text), executable: maybe(text), entityId: maybe(text), sha256: maybe(sha256) })),
      uid: maybe(fc.nat()),
      userName: maybe(text),
      containerId: maybe(text),
      sha256: maybe(sha256),
      hashStatus: maybe(fc.constantFrom('pending', 'too_large', 'busy', 'timeout', 'error')),
    }),
  ),
}) as fc.Arbitrary<ConnectionEvent>;
