#!/usr/bin/env -S node --max-semi-space-size=4
// (A 4 MiB young generation instead of V8's 16: the sensor's objects are short-lived and few
// at a time, so the default only grows a busy host's heap; a smaller one costs CPU in more
// scavenges. docs/performance.md has the measurements.)
// Argument parsing and commands only; the work happens in pipeline/, capture/ and sinks/.
// Commands are loaded when chosen, so `snapshot` does not pay for the sensor's modules.
import { Command, CommanderError, Option } from 'commander';
import { errorMessage, exitCodeFor } from '../core/errors';
import type { RunFlags } from './run-config';
import { versionLine } from './version';

const COMMANDS = new Set(['run', 'snapshot', 'doctor', 'query', 'hunt', 'service', 'help']);

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function buildProgram(): Command {
  const program = new Command('packettrail')
    .description('Records every network connection on this host with the process that made it.')
    .usage('[SYSLOG_HOST SYSLOG_PORT] | <command> [options]')
    .version(versionLine())
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ outputError: (str, write) => write(str) });

  program
    .command('run')
    .description('run the sensor until SIGINT/SIGTERM, then flush and exit 0')
    .option('--syslog <url>', 'udp://h:p | tcp://h:p | tls://h:p | relp://h:p (repeatable)', collect, [])
    .addOption(new Option('--syslog-format <format>', 'syslog line format').choices(['rfc5424', 'rfc3164', 'seed']))
    .option('--syslog-ca <file>', 'CA file for tls:// syslog')
    .option('--file <path>', 'JSON-lines file (repeatable)', collect, [])
    .addOption(new Option('--file-format <format>', 'file record format').choices(['ecs', 'ocsf', 'sigma', 'seed']))
    .option('--store <path>', 'SQLite store (default: packettrail.db in the state directory)')
    .option('--elasticsearch <url>', 'bulk into a data stream (Elasticsearch 8/9, OpenSearch 2)')
    .addOption(new Option('--source <tier>', 'capture tier').choices(['auto', 'ebpf', 'tracefs', 'poll']))
    .option('--poll-interval <duration>', 'poll tier interval, e.g. 1s or 250ms')
    .option('--spool-dir <dir>', "directory for the network sinks' disk spools")
    .option('--console', 'also print a readable line per connection')
    .option('--no-console', 'do not print a line per connection')
    .addOption(new Option('--console-format <format>', 'console line format').choices(['text', 'ecs', 'ocsf', 'sigma', 'seed']))
    .addOption(new Option('--log-level <level>', 'diagnostics on stderr').choices(['debug', 'info', 'warn', 'error', 'silent']))
    .option('--closes', 'the file, syslog, Elasticsearch and console sinks named here also get connection_closed records (the store has them unless told)')
    .option('--config <file>', 'YAML config; flags override it')
    .action(async (flags: RunFlags) => {
      process.exitCode = await (await import('./commands/run')).runCommand(flags);
    });

  program
    .command('snapshot')
    .description('sockets open now, with their processes (like ss -tunap)')
    .option('--json', 'print ECS records, one per line')
    .action(async (flags: { json?: boolean }) => {
      process.exitCode = await (await import('./commands/snapshot')).snapshotCommand(flags);
    });

  program
    .command('query')
    .description('connections recorded in the store, filtered; as a table, CSV, ECS lines or counts')
    .option('--store <path>', 'SQLite store (default: packettrail.db in the state directory)')
    .option('--since <time>', 'from this long ago (30m, 2h, 7d) or this ISO time')
    .option('--until <time>', 'up to this long ago or this ISO time')
    .option('--process <glob>', 'process name, e.g. curl or ssh*')
    .option('--exe <glob>', 'executable path, e.g. /usr/bin/*')
    .option('--pid <n>', 'process id')
    .option('--user <name|uid>', 'user name or uid')
    .option('--remote <ip|cidr>', 'remote address or range, IPv4 or IPv6')
    .option('--port <n>', 'remote port')
    .option('--local-port <n>', 'local port')
    .option('--direction <dir>', 'egress | ingress')
    .option('--transport <t>', 'tcp | udp')
    .option('--action <a>', 'connection_attempted | connection_accepted | udp_flow | listen | connection_closed')
    .option('--json', 'ECS records, one per line (as the sinks write them)')
    .option('--csv', 'comma-separated values with a header line')
    .option('--count-by <field>', 'remote | exe | process | port | user | direction | transport | action | pid | local-port')
    .option('--limit <n>', 'the newest N records (the table shows 1000 unless told)')
    .action(async (flags: import('./commands/query').QueryFlags) => {
      process.exitCode = await (await import('./commands/query')).queryCommand(flags);
    });

  program
    .command('hunt')
    .description('run the detectors over the stored history and print their findings')
    .option('--store <path>', 'SQLite store (default: packettrail.db in the state directory)')
    .option('--since <time>', 'findings from this long ago (30m, 2h, 7d) or this ISO time')
    .option('--rule <name>', 'handoff | first_seen | new_listener | beacon (repeatable)', collect, [])
    .option('--json', 'ECS alert records, one per line (as the sinks write them)')
    .option('--config <file>', 'YAML config whose detect: section sets the detectors')
    .action(async (flags: import('./commands/hunt').HuntFlags) => {
      process.exitCode = await (await import('./commands/hunt')).huntCommand(flags);
    });

  program
    .command('doctor')
    .description('which capture tiers work here, and why not')
    .action(async () => {
      process.exitCode = await (await import('./commands/doctor')).doctorCommand();
    });

  const service = program.command('service').description('the systemd service, for hosts without the package');
  for (const [action, description] of [
    ['install', 'write the unit (running this executable) and a config, enable and start it where systemd runs'],
    ['uninstall', 'stop, disable and remove the unit; --purge also removes the config and the state'],
    ['status', 'whether the service is installed and runs, and its last stats'],
  ] as const) {
    const sub = service
      .command(action)
      .description(description)
      .option('--unit-file <path>', 'unit file (default /etc/systemd/system/packettrail.service)')
      .option('--config <file>', 'config the service runs with (default /etc/packettrail/packettrail.yaml)')
      .option('--state-dir <dir>', 'state directory (default /var/lib/packettrail)');
    if (action === 'uninstall') sub.option('--purge', 'also remove the config and the state directory');
    sub.action(async (flags: import('./commands/service').ServiceFlags) => {
      process.exitCode = await (await import('./commands/service')).serviceCommand(action, flags);
    });
  }

  return program;
}

async function main(argv: string[]): Promise<number> {
  const args = argv.slice(2);
  // The original usage: `packettrail SYSLOG_HOST SYSLOG_PORT`.
  if (args.length === 2 && !COMMANDS.has(args[0]!) && !args[0]!.startsWith('-')) return (await import('./commands/run')).legacyCommand(args[0]!, args[1]!);
  if (args.length === 0) return (await import('./commands/run')).runCommand({});
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return 2;
    }
    throw err;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`packettrail: ${errorMessage(err)}\n`);
    process.exitCode = exitCodeFor(err);
  },
);
