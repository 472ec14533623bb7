// The agent version reported in records (agent.version) and by --version.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(join(__dirname, rel), 'utf8')) as { version: string }).version;
    } catch {
      // built layout (dist/src/cli) or source layout (src/cli)
    }
  }
  return '0.0.0';
}

export const AGENT_VERSION = readVersion();
