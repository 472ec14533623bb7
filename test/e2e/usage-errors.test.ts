// Bad arguments and bad configuration exit 2 with a message that names what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliSync } from '../helpers/cli-run';

function expectUsage(args: string[], mention: RegExp): void {
  const r = runCliSync(args);
  assert.equal(r.status, 2, `exit code for ${args.join(' ')}; stderr: ${r.stderr}`);
  assert.match(r.stderr, mention);
}

test('the original usage with a bad host exits 2 naming it', () => {
  expectUsage(['bad host!', '514'], /SYSLOG_HOST "bad host!"/);
});

test('the original usage with a port out of range exits 2 naming it', () => {
  expectUsage(['127.0.0.1', '70000'], /SYSLOG_PORT "70000".*1 to 65535/);
  expectUsage(['127.0.0.1', 'abc'], /SYSLOG_PORT "abc"/);
});

test('an unknown option exits 2 naming it', () => {
  expectUsage(['run', '--frobnicate'], /unknown option '--frobnicate'/);
});

test('a syslog URL with a port out of range exits 2 naming the flag', () => {
  expectUsage(['run', '--syslog', 'udp://127.0.0.1:99999'], /--syslog udp:\/\/127\.0\.0\.1:99999: port 99999 is out of range/);
  expectUsage(['run', '--syslog', 'ftp://127.0.0.1:514'], /scheme "ftp"/);
});

test('an unwritable file path exits 2 naming the path', () => {
  expectUsage(['run', '--source', 'poll', '--file', '/nonexistent-dir/x/out.jsonl'], /\/nonexistent-dir\/x\/out\.jsonl/);
});

test('config errors exit 2 naming the key path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pt-cfg-'));
  try {
    const unknownKey = join(dir, 'unknown.yaml');
    writeFileSync(unknownKey, 'source: poll\nsinks:\n  file:\n    - path: /tmp/x.jsonl\n      colour: red\n');
    expectUsage(['run', '--config', unknownKey], /unknown key sinks\.file\[0\]\.colour/);
    const badValue = join(dir, 'bad.yaml');
    writeFileSync(badValue, 'poll:\n  interval: soon\n');
    expectUsage(['run', '--config', badValue], /poll\.interval/);
    const badPort = join(dir, 'port.yaml');
    writeFileSync(badPort, 'sinks:\n  syslog:\n    - url: tcp://127.0.0.1:0\n');
    expectUsage(['run', '--config', badPort], /sinks\.syslog\[0\]\.url: port 0 is out of range/);
    const notYaml = join(dir, 'broken.yaml');
    writeFileSync(notYaml, 'source: [poll\n');
    expectUsage(['run', '--config', notYaml], /not valid YAML/);
    expectUsage(['run', '--config', join(dir, 'missing.yaml')], /cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--help exits 0', () => {
  const r = runCliSync(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /snapshot/);
});
