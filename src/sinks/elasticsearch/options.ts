// Validation of the Elasticsearch sink's settings; mistakes are usage errors (exit 2).
import fs from 'node:fs';
import { usageError } from '../../core/errors';
import { parseHttpUrl } from '../../config/endpoint';

export const DEFAULT_DATA_STREAM = 'logs-packettrail.connection-default';

export interface ElasticsearchTarget {
  /** scheme://host:port, for the HTTP client. */
  origin: string;
  /** Path prefix in front of /_bulk (a reverse proxy may serve Elasticsearch below a path). */
  basePath: string;
  tls: boolean;
  index: string;
  authorization?: string;
  ca?: Buffer;
}

export interface ElasticsearchAuth {
  dataStream?: string | undefined;
  apiKey?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  caFile?: string | undefined;
}

export function parseElasticsearchTarget(url: string, o: ElasticsearchAuth = {}): ElasticsearchTarget {
  const checked = parseHttpUrl(url);
  if (!checked.ok) throw usageError(`--elasticsearch: ${checked.problem}`);
  const u = checked.value;
  const index = o.dataStream ?? DEFAULT_DATA_STREAM;
  // Elasticsearch index name rules: lowercase, none of \ / * ? " < > | space , # :, not starting with - _ +.
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(index) || index.length > 255 || index === '.' || index === '..') {
    throw usageError(`elasticsearch data stream "${index}": expected lowercase letters, digits, '.', '_' or '-'`);
  }
  const user = o.username ?? (u.username ? decodeURIComponent(u.username) : undefined);
  const pass = o.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  if (o.apiKey !== undefined && user !== undefined) throw usageError('elasticsearch: give an API key or a username, not both');
  if (pass !== undefined && user === undefined) throw usageError('elasticsearch: a password needs a username');
  let authorization: string | undefined;
  if (o.apiKey !== undefined) {
    if (!o.apiKey) throw usageError('elasticsearch: the API key is empty');
    authorization = `ApiKey ${o.apiKey}`;
  } else if (user !== undefined) {
    authorization = `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}`;
  }
  let ca: Buffer | undefined;
  if (o.caFile !== undefined) {
    if (u.protocol !== 'https:') throw usageError('elasticsearch: a CA file needs an https:// URL');
    try {
      ca = fs.readFileSync(o.caFile);
    } catch (err) {
      throw usageError(`elasticsearch CA file ${o.caFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  return {
    origin: `${u.protocol}//${u.host}`,
    basePath: u.pathname.replace(/\/+$/, ''),
    tls: u.protocol === 'https:',
    index,
    ...(authorization ? { authorization } : {}),
    ...(ca ? { ca } : {}),
  };
}
