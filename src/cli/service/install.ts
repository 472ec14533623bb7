// `packettrail service install|uninstall` for hosts without the package: the unit file, a
// config when none exists, the state directory, and enabling through systemctl where systemd
// runs. Where it does not (a container, a chroot, these test machines), the files are written
// and the caller says so.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isSingleExecutable } from '../../config/sea-assets';
import { DEFAULT_SERVICE_CONFIG } from './default-config';
import { serviceUnit } from './unit';

export const SERVICE_NAME = 'packettrail.service';

export interface ServicePaths {
  readonly unitFile: string;
  readonly configPath: string;
  readonly stateDir: string;
}

export const DEFAULT_SERVICE_PATHS: ServicePaths = {
  unitFile: `/etc/systemd/system/${SERVICE_NAME}`,
  configPath: '/etc/packettrail/packettrail.yaml',
  stateDir: '/var/lib/packettrail',
};

export function systemdRuns(): boolean {
  return existsSync('/run/systemd/system');
}

/** What runs this process again: the executable itself, or node and the script. */
export function selfCommand(): string[] {
  if (isSingleExecutable()) return [process.execPath];
  return [process.execPath, realpathSync(process.argv[1]!)];
}

function systemctl(...args: string[]): void {
  const r = spawnSync('systemctl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`systemctl ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** Lines telling what was done. */
export function installService(paths: ServicePaths, command: readonly string[]): string[] {
  const done: string[] = [];
  mkdirSync(dirname(paths.unitFile), { recursive: true });
  writeFileSync(paths.unitFile, serviceUnit({ command, configPath: paths.configPath, stateDir: paths.stateDir }), { mode: 0o644 });
  done.push(`wrote ${paths.unitFile}`);
  if (!existsSync(paths.configPath)) {
    mkdirSync(dirname(paths.configPath), { recursive: true });
    writeFileSync(paths.configPath, DEFAULT_SERVICE_CONFIG, { mode: 0o644 });
    done.push(`wrote ${paths.configPath}`);
  } else {
    done.push(`kept ${paths.configPath}`);
  }
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  chmodSync(paths.stateDir, 0o700);
  if (systemdRuns()) {
    systemctl('daemon-reload');
    systemctl('enable', '--now', SERVICE_NAME);
    done.push(`enabled and started ${SERVICE_NAME}`);
  } else {
    done.push(`systemd is not running here: ${SERVICE_NAME} is not enabled; where systemd runs: systemctl enable --now ${SERVICE_NAME}`);
  }
  return done;
}

/** Stops and removes the unit; the config and the state (the records) stay unless `purge`. */
export function uninstallService(paths: ServicePaths, purge: boolean): string[] {
  const done: string[] = [];
  if (systemdRuns() && existsSync(paths.unitFile)) {
    systemctl('disable', '--now', SERVICE_NAME);
    done.push(`stopped and disabled ${SERVICE_NAME}`);
  }
  if (existsSync(paths.unitFile)) {
    rmSync(paths.unitFile);
    done.push(`removed ${paths.unitFile}`);
  }
  if (systemdRuns()) systemctl('daemon-reload');
  if (purge) {
    for (const p of [paths.configPath, paths.stateDir]) {
      if (!existsSync(p)) continue;
      rmSync(p, { recursive: true, force: true });
      done.push(`removed ${p}`);
    }
  }
  return done;
}
