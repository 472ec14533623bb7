// The schema validator finds each kind of departure: a record broken in one way fails with
// an error naming that way, so a passing ocsf-schema test means something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OCSF_VERSION, toOcsf } from '../../src/format/ocsf';
import { egressEvent, env, loopbackDnsEvent } from '../helpers/events';
import { OcsfSchema, ocsfSchema } from '../helpers/ocsf-validator';
import { repoRoot } from '../helpers/repo';

type Doc = Record<string, any>;
const schema = ocsfSchema(OCSF_VERSION);
const good = (): Doc => structuredClone(toOcsf(egressEvent(), env)) as Doc;
const finding = (): Doc =>
  structuredClone(toOcsf({ ...egressEvent(), alert: { rule: 'beacon', description: 'd', reason: 'r', severity: 47, riskScore: 47, id: 'b-1' } }, env)) as Doc;

/** Asserts that breaking a good record with `breakIt` yields an error matching `expected`. */
function fails(what: string, breakIt: (d: Doc) => void, expected: RegExp, base: () => Doc = good): void {
  const doc = base();
  assert.deepEqual(schema.validate(doc), [], `${what}: the unbroken record validates`);
  breakIt(doc);
  const errors = schema.validate(doc);
  assert.ok(
    errors.some((e) => expected.test(e)),
    `${what}: expected an error matching ${expected}, got ${JSON.stringify(errors)}`,
  );
}

test('a missing required attribute fails, at the top and inside objects', () => {
  fails('time', (d) => delete d.time, /^time: required by network_activity/);
  fails('device.type_id', (d) => delete d.device.type_id, /^device\.type_id: required by device/);
  fails('file.name', (d) => delete d.actor.process.file.name, /^actor\.process\.file\.name: required by file/);
  fails('finding_info', (d) => delete d.finding_info, /^finding_info: required by detection_finding/, finding);
  fails('analytic.type_id', (d) => delete d.finding_info.analytic.type_id, /^finding_info\.analytic\.type_id: required/, finding);
});

test('an attribute the class or object does not define fails', () => {
  fails('top-level container', (d) => (d.container = { uid: 'c0ffee' }), /^container: not an attribute of network_activity/);
  fails('nested', (d) => (d.connection_info.bogus = 1), /^connection_info\.bogus: not an attribute of network_connection_info/);
  fails('in an array element', (d) => (d.evidences[0].bogus = 1), /^evidences\[0\]\.bogus: not an attribute of evidences/, finding);
});

test('an object whose schema file is not in the fixture fails, so the fixture grows with the records', () => {
  fails('location', (d) => (d.dst_endpoint.location = { city: 'Lyon' }), /^dst_endpoint\.location: type location is neither a scalar type nor an object in the schema files/);
});

test('an attribute deprecated in the version fails', () => {
  fails('process.tid', (d) => (d.actor.process.tid = 1), /^actor\.process\.tid: deprecated/);
});

test('an enum value deprecated in the version fails', () => {
  // No value the records use is deprecated in 1.8.0, so a copy of the schema marks one.
  const dir = mkdtempSync(join(tmpdir(), 'ocsf-schema-'));
  try {
    cpSync(join(repoRoot(), 'test/fixtures/ocsf', OCSF_VERSION), dir, { recursive: true });
    const dictionaryFile = join(dir, 'dictionary.json');
    const dictionary = JSON.parse(readFileSync(dictionaryFile, 'utf8'));
    dictionary.attributes.boundary_id.enum['1']['@deprecated'] = { message: 'test', since: '1.0.0' };
    writeFileSync(dictionaryFile, JSON.stringify(dictionary));
    const loopback = toOcsf(egressEvent({ local: { ip: '127.0.0.1', port: 40000 }, remote: { ip: '127.0.0.1', port: 8080 } }), env);
    assert.deepEqual(schema.validate(loopback), []);
    assert.deepEqual(new OcsfSchema(dir).validate(loopback), [`connection_info.boundary_id: value 1 is deprecated in ${OCSF_VERSION}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scalar types (string, integer, long, ip, port range, boolean), arrays and objects', () => {
  fails('string_t', (d) => (d.status_code = 111), /^status_code: 111 is not a string/);
  fails('integer_t', (d) => (d.severity_id = '1'), /^severity_id: "1" is not a 32-bit integer/);
  fails('integer_t fraction', (d) => (d.actor.process.pid = 1.5), /^actor\.process\.pid: 1\.5 is not a 32-bit integer/);
  fails('timestamp_t', (d) => (d.time = '2025-11-26'), /^time: "2025-11-26" is not an integer/);
  fails('ip_t', (d) => (d.dst_endpoint.ip = '999.1.1.1'), /^dst_endpoint\.ip: "999\.1\.1\.1" is not an IP address/);
  fails('port_t range', (d) => (d.dst_endpoint.port = 70000), /^dst_endpoint\.port: 70000 is outside 0\.\.65535/);
  fails('boolean_t', (d) => (d.is_src_dst_assignment_known = 'yes'), /^is_src_dst_assignment_known: "yes" is not a boolean/);
  fails('is_array', (d) => (d.metadata.profiles = 'host'), /^metadata\.profiles: not an array/);
  fails('object type', (d) => (d.device = 'myhost'), /^device: not an object \(device\)/);
});

test('enum values and the captions that go with them', () => {
  fails('activity_id', (d) => (d.activity_id = 8), /^activity_id: 8 is not a value of its enum/);
  fails('direction_id', (d) => (d.connection_info.direction_id = 5), /^connection_info\.direction_id: 5 is not a value/);
  fails('activity_name', (d) => (d.activity_name = 'Opened'), /^activity_name: Opened is not Open/);
  fails('class_name', (d) => (d.class_name = 'Network'), /^class_name: Network is not Network Activity/);
  fails('severity', (d) => (d.severity = 'Info'), /^severity: Info is not Informational/);
  fails('type_name', (d) => (d.type_name = 'Network Activity: Close'), /^type_name: Network Activity: Close is not Network Activity: Open/);
  fails('nested caption', (d) => (d.connection_info.direction = 'Inbound'), /^connection_info\.direction: Inbound is not Outbound/);
  fails('status of a finding', (d) => (d.status = 'Success'), /^status: Success is not New/, finding);
  const other = good();
  other.status_id = 99;
  other.status = 'whatever the source says';
  assert.deepEqual(schema.validate(other), [], 'id 99 Other leaves the caption to the producer');
});

test('type_uid, category and class', () => {
  fails('type_uid', (d) => (d.type_uid = 400102), /^type_uid: 400102 is not class_uid \* 100 \+ activity_id = 400101/);
  fails('category_uid', (d) => (d.category_uid = 2), /^category_uid: 2 is not 4/);
  fails('category_name', (d) => (d.category_name = 'Findings'), /^category_name: Findings is not Network Activity/);
  assert.deepEqual(schema.validate({ ...good(), class_uid: 4999 }), ['class_uid: no event class 4999 in the schema']);
});

test('metadata.version and profiles', () => {
  fails('version', (d) => (d.metadata.version = '1.3.0'), /^metadata\.version: 1\.3\.0 is not the schema's 1\.8\.0/);
  fails('unknown profile', (d) => d.metadata.profiles.push('kubernetes'), /^metadata\.profiles: no profile kubernetes/);
  fails('undeclared host profile', (d) => (d.metadata.profiles = []), /^device: from profile host, which metadata\.profiles does not declare/);
  const contained = (): Doc => structuredClone(toOcsf(loopbackDnsEvent({ ...egressEvent().process!, containerId: 'c0ffee' }), env)) as Doc;
  fails('undeclared container profile', (d) => (d.metadata.profiles = ['host']), /^actor\.process\.container: from profile container/, contained);
});

test('object constraints: at least one of', () => {
  fails('endpoint without ip', (d) => delete d.dst_endpoint.ip, /^dst_endpoint: network_endpoint needs at least one of ip/);
  fails(
    'empty container',
    (d) => (d.actor.process.container = {}),
    /^actor\.process\.container: container needs at least one of uid, name/,
    () => {
      const d = good();
      d.metadata.profiles = ['host', 'container'];
      return d;
    },
  );
});
