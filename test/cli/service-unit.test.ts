// The service's default config loads with the real loader, and the unit passes systemd's own
// checks (systemd is installed but not running here: verify and the offline security audit
// read the file alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRunConfig } from '../../src/cli/run-config';
import { DEFAULT_SERVICE_CONFIG } from '../../src/cli/service/default-config';
import { SERVICE_CAPABILITIES, serviceUnit } from '../../src/cli/service/unit';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'pt-unit-'));
}

test('the default service config loads: store on, console off, tier auto', () => {
  const dir = scratch();
  try {
    const file = join(dir, 'packettrail.yaml');
    writeFileSync(file, DEFAULT_SERVICE_CONFIG);
    process.env.PACKETTRAIL_STATE_DIR = join(dir, 'state');
    const config = resolveRunConfig({ config: file });
    assert.equal(config.source, 'auto');
    assert.equal(config.console.enabled, false);
    assert.equal(config.store.enabled, true);
    assert.equal(config.store.path, join(dir, 'state', 'packettrail.db'));
    assert.equal(config.store.retention.maxAge, 30 * 86_400_000);
    assert.equal(config.stats.interval, 60_000);
  } finally {
    delete process.env.PACKETTRAIL_STATE_DIR;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ExecStart words with blanks, quotes and $ are quoted the way systemd reads them', () => {
  const unit = serviceUnit({ command: ['/opt/pt dir/node', '/opt/pt dir/main.js'], configPath: '/etc/p"t/$x.yaml', stateDir: '/var/lib/packettrail' });
  assert.match(unit, /^ExecStart="\/opt\/pt dir\/node" "\/opt\/pt dir\/main.js" run --config "\/etc\/p\\"t\/\$\$x.yaml"$/m);
});

test('systemd-analyze verifies the unit and rates its exposure', () => {
  const dir = scratch();
  try {
    const unitFile = join(dir, 'packettrail.service');
    // An executable that exists, so verify can check ExecStart.
    writeFileSync(
      unitFile,
      serviceUnit({ command: [process.execPath, '/usr/lib/packettrail/main.js'], configPath: '/etc/packettrail/packettrail.yaml', stateDir: '/var/lib/packettrail' }),
    );
    const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'no warnings');
    const security = spawnSync('systemd-analyze', ['security', '--offline=yes', unitFile], { encoding: 'utf8' });
    const score = /Overall exposure level for packettrail\.service: ([\d.]+)/.exec(security.stdout);
    assert.ok(score, security.stdout + security.stderr);
    // systemd rates 0-10; "OK" below 5. What keeps it above 0 is listed in docs/install.md.
    assert.ok(Number(score[1]) <= 3.5, `exposure ${score[1]}`);
    for (const cap of SERVICE_CAPABILITIES.filter((c) => c !== 'CAP_BPF' && c !== 'CAP_PERFMON' && c !== 'CAP_DAC_READ_SEARCH')) {
      assert.match(security.stdout, new RegExp(`✗ CapabilityBoundingSet=~${cap}`), `${cap} is kept`);
    }
    assert.match(security.stdout, /✓ CapabilityBoundingSet=~CAP_SYS_ADMIN/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
