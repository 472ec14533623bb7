// The agent version reported in records (agent.version) and by --version, with the commit a
// single executable was built from (the release build records it in the executable).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildManifest } from '../config/sea-assets';

function readVersion(): string {
  const manifest = buildManifest();
  if (manifest) return manifest.version;
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

/** What --version prints: the version, and the commit when the build recorded one. */
export function versionLine(): string {
  const commit = buildManifest()?.commit;
  return commit ? `${AGENT_VERSION} (commit ${commit})` : `${AGENT_VERSION} (source tree)`;
}
