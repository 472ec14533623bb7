// The systemd unit that runs the sensor as a service, hardened as far as the capture tiers
// allow. The package and `packettrail service install` both write this text.

export interface UnitOptions {
  /** The command line: the executable (or node and the script) and its first arguments. */
  readonly command: readonly string[];
  readonly configPath: string;
  readonly stateDir: string;
}

/**
 * What the tiers need of root's powers, each found by running them without it: CAP_BPF,
 * CAP_PERFMON and CAP_NET_ADMIN (its cgroup socket programs) to load the BPF object;
 * CAP_SYS_PTRACE to read /proc/PID/exe of processes holding capabilities the sensor lacks
 * (every other root process); CAP_DAC_READ_SEARCH for the poll tier's walk of other users'
 * /proc/PID/fd. Not needed: CAP_SYS_ADMIN (tracefs files belong to root), CAP_SYS_RESOURCE
 * (BPF memory is charged to the cgroup since Linux 5.11, not to the locked-memory limit).
 */
export const SERVICE_CAPABILITIES: readonly string[] = ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'CAP_DAC_READ_SEARCH'];

/** systemd's quoting of one ExecStart word: quoted when it holds a blank, quote or backslash. */
function execWord(word: string): string {
  if (word !== '' && !/[\s"'\\$%;]/.test(word)) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$').replace(/%/g, '%%')}"`;
}

export function serviceUnit(opts: UnitOptions): string {
  const exec = [...opts.command, 'run', '--config', opts.configPath].map(execWord).join(' ');
  const caps = SERVICE_CAPABILITIES.join(' ');
  return `[Unit]
Description=packetTrail: every network connection with the process that made it
Documentation=https://github.com/packettrail/packettrail
After=network.target

[Service]
Type=exec
ExecStart=${exec}
Environment=PACKETTRAIL_STATE_DIR=${opts.stateDir}
Restart=on-failure
RestartSec=5s
TimeoutStopSec=30s
MemoryMax=1G
UMask=0077

# Root's powers cut to what the capture tiers use (see docs/install.md for each one).
CapabilityBoundingSet=${caps}
AmbientCapabilities=${caps}
NoNewPrivileges=yes

# The file system: read-only but for the state directory; homes readable (executables
# there are still named and hashed), private /tmp and /dev.
ProtectSystem=strict
ReadWritePaths=${opts.stateDir}
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectClock=yes
ProtectHostname=yes
ProtectControlGroups=yes

# The kernel interfaces it calls: BPF and perf events on top of a service's usual set;
# sockets for the sinks and netlink for the socket table.
SystemCallFilter=@system-service bpf perf_event_open
SystemCallErrorNumber=EPERM
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
KeyringMode=private
RemoveIPC=yes

[Install]
WantedBy=multi-user.target
`;
}
