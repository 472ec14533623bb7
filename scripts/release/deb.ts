// Builds the Debian package with dpkg-deb alone: the single executable as /usr/bin/packettrail,
// the systemd unit, a commented default config (a conffile), the state directory 0700 and the
// maintainer scripts that enable, start, stop and purge the service the way debhelper's do.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_SERVICE_CONFIG } from '../../src/cli/service/default-config';
import { serviceUnit } from '../../src/cli/service/unit';
import type { BuildInfo } from './executable';

const UNIT = 'packettrail.service';
const CONFIG = '/etc/packettrail/packettrail.yaml';
const STATE_DIR = '/var/lib/packettrail';

function put(root: string, path: string, text: string | Buffer, mode: number): void {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, text);
  chmodSync(file, mode);
}

const POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ] || [ "$1" = abort-upgrade ] || [ "$1" = abort-deconfigure ] || [ "$1" = abort-remove ]; then
  mkdir -p ${STATE_DIR}
  chmod 0700 ${STATE_DIR}
  # Enabled on first install (was-enabled is true then); an administrator's disable is kept.
  deb-systemd-helper unmask ${UNIT} >/dev/null || true
  if deb-systemd-helper --quiet was-enabled ${UNIT}; then
    deb-systemd-helper enable ${UNIT} >/dev/null || true
  else
    deb-systemd-helper update-state ${UNIT} >/dev/null || true
  fi
  # Started only where systemd runs (not in a container or chroot without it).
  if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
    deb-systemd-invoke restart ${UNIT} >/dev/null || true
  fi
fi
`;

const PRERM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  deb-systemd-invoke stop ${UNIT} >/dev/null || true
fi
`;

const POSTRM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = remove ] && command -v deb-systemd-helper >/dev/null; then
  deb-systemd-helper mask ${UNIT} >/dev/null || true
fi
if [ "$1" = purge ]; then
  if command -v deb-systemd-helper >/dev/null; then
    deb-systemd-helper purge ${UNIT} >/dev/null || true
    deb-systemd-helper unmask ${UNIT} >/dev/null || true
  fi
  # The store, spools and the executable's unpacked native files.
  rm -rf ${STATE_DIR}
fi
`;

function control(info: BuildInfo, installedKiB: number): string {
  return `Package: packettrail
Version: ${info.version}
Architecture: amd64
Maintainer: packetTrail maintainers <packettrail@example.org>
Installed-Size: ${installedKiB}
Depends: libc6 (>= 2.28), libgcc-s1, libstdc++6, libbpf1
Section: net
Priority: optional
Homepage: https://github.com/packettrail/packettrail
Description: network connection attribution sensor
 packetTrail records every network connection on the host together with the
 process that made it (pid, executable, command line, parent, user, container),
 through eBPF where the kernel allows it, tracefs or /proc polling otherwise.
 It keeps the records in a local store and can send them to syslog, files
 and Elasticsearch.
`;
}

const COPYRIGHT = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: packettrail

Files: *
Copyright: 2025-2026 packetTrail contributors
License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
`;

const MAN_PAGE = `.TH PACKETTRAIL 8 "" "packetTrail" "System Administration"
.SH NAME
packettrail \\- record every network connection with the process that made it
.SH SYNOPSIS
.B packettrail
.RI [ command ] " " [ options ]
.SH DESCRIPTION
.B packettrail
records each TCP connection, UDP flow and listening socket on the host with the
process behind it, through eBPF, tracefs or /proc polling.
Installed from the package it runs as the systemd service
.BR packettrail.service ,
configured by
.IR ${CONFIG} ,
with its store and state in
.IR ${STATE_DIR} .
.SH COMMANDS
.TP
.B run
run the sensor until SIGINT or SIGTERM
.TP
.B snapshot
the sockets open now, with their processes
.TP
.B doctor
which capture tiers work on this host, and why not
.TP
.B query
the recorded connections, filtered
.TP
.B hunt
the detectors over the recorded history
.TP
.B service install|uninstall|status
the systemd service, for hosts without the package
.PP
.B packettrail help
.I command
lists each command's options.
`;

/** Tags lintian raises on Node's own binary, which the executable is. */
const LINTIAN_OVERRIDES = `# Node.js links its own copy of zlib into every node binary; the executable is one.
packettrail: embedded-library zlib [usr/bin/packettrail]
# Node.js release binaries are linked without PIE; the executable is one.
packettrail: hardening-no-pie [usr/bin/packettrail]
`;

function changelog(info: BuildInfo): Buffer {
  const date = new Date().toUTCString().replace(/GMT$/, '+0000');
  const text = `packettrail (${info.version}) unstable; urgency=medium\n\n  * Built from commit ${info.commit}.\n\n -- packetTrail maintainers <packettrail@example.org>  ${date}\n`;
  return gzipSync(text, { level: 9 });
}

/**
 * xz makes the smallest package (about 100 s here); gzip at level 1 is half as large again
 * and fifty times faster: the tests use it.
 */
export type DebCompression = 'xz' | 'fast';

/** Writes the .deb next to the executable and returns its path. */
export function buildDeb(executable: string, info: BuildInfo, workDir: string, compression: DebCompression = 'xz'): string {
  const root = join(workDir, 'deb');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true, mode: 0o755 });
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'usr/bin'), { recursive: true, mode: 0o755 });
  copyFileSync(executable, join(root, 'usr/bin/packettrail'));
  chmodSync(join(root, 'usr/bin/packettrail'), 0o755);
  put(root, `lib/systemd/system/${UNIT}`, serviceUnit({ command: ['/usr/bin/packettrail'], configPath: CONFIG, stateDir: STATE_DIR }), 0o644);
  put(root, CONFIG.slice(1), DEFAULT_SERVICE_CONFIG, 0o644);
  put(root, 'usr/share/doc/packettrail/copyright', COPYRIGHT, 0o644);
  put(root, 'usr/share/doc/packettrail/changelog.gz', changelog(info), 0o644);
  put(root, 'usr/share/lintian/overrides/packettrail', LINTIAN_OVERRIDES, 0o644);
  put(root, 'usr/share/man/man8/packettrail.8.gz', gzipSync(MAN_PAGE, { level: 9 }), 0o644);

  const installedKiB = Math.ceil(statSync(executable).size / 1024) + 16;
  put(root, 'DEBIAN/control', control(info, installedKiB), 0o644);
  put(root, 'DEBIAN/conffiles', `${CONFIG}\n`, 0o644);
  put(root, 'DEBIAN/postinst', POSTINST, 0o755);
  put(root, 'DEBIAN/prerm', PRERM, 0o755);
  put(root, 'DEBIAN/postrm', POSTRM, 0o755);

  const deb = join(dirname(executable), `packettrail_${info.version}_amd64.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', ...(compression === 'xz' ? ['-Zxz'] : ['-Zgzip', '-z1']), '--build', root, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  return deb;
}
