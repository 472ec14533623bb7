// Pure parts of the Elasticsearch `_bulk` client: the ndjson body with `create` actions and
// deterministic ids, and the classification of a response into one AttemptResult per record.
import crypto from 'node:crypto';
import type { AttemptResult } from '../delivery';

/** Same document, same id: a resent record meets 409 instead of becoming a duplicate. */
export function documentId(doc: string): string {
  return crypto.createHash('sha1').update(doc).digest('base64url');
}

/**
 * A document must be one line of ndjson. Formatters emit JSON.stringify output (one line);
 * anything else is re-serialised if it parses, otherwise rejected before it is sent.
 */
export function normaliseDocument(record: string): { doc: string } | { error: string } {
  if (!record.includes('\n') && !record.includes('\r')) return { doc: record };
  try {
    return { doc: JSON.stringify(JSON.parse(record)) };
  } catch {
    return { error: 'record is not single-line JSON' };
  }
}

export function bulkBody(docs: readonly string[], index: string): string {
  const prefix = `{"create":{"_index":${JSON.stringify(index)},"_id":"`;
  let out = '';
  for (const doc of docs) out += `${prefix}${documentId(doc)}"}}\n${doc}\n`;
  return out;
}

const MAX_REASON = 500;

function retryAll(n: number, reason: string, afterMs?: number): AttemptResult[] {
  const r: AttemptResult = afterMs !== undefined ? { kind: 'retry', reason, afterMs } : { kind: 'retry', reason };
  return new Array<AttemptResult>(n).fill(r);
}

/** Retry-After in seconds (the only form Elasticsearch sends), as ms. */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return undefined;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? Math.round(s * 1000) : undefined;
}

/**
 * Whole-request 429/408/5xx, 401/403/404 (an operator can fix credentials or the path; the
 * records wait on disk meanwhile) → retry every item. 413 and other 4xx → fatal for every
 * item. 2xx → per item: 200/201 and 409 (already there) ok, 429/5xx retry, other 4xx fatal.
 */
export function classifyBulkResponse(status: number, body: string, count: number, afterMs?: number): AttemptResult[] {
  if (status < 200 || status >= 300) {
    const reason = `HTTP ${status}: ${errorSummary(body)}`;
    if (status === 408 || status === 429 || status >= 500 || status === 401 || status === 403 || status === 404) {
      return retryAll(count, reason, afterMs);
    }
    return new Array<AttemptResult>(count).fill({ kind: 'fatal', reason });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return retryAll(count, 'bulk response is not JSON');
  }
  if (!isObject(parsed)) return retryAll(count, 'bulk response is not an object');
  const items = parsed.items;
  if (parsed.errors === false && (!Array.isArray(items) || items.length === count)) {
    return new Array<AttemptResult>(count).fill({ kind: 'ok' });
  }
  if (!Array.isArray(items) || items.length !== count) {
    return retryAll(count, `bulk response has ${Array.isArray(items) ? items.length : 'no'} items for ${count} documents`);
  }
  return items.map(classifyItem);
}

function classifyItem(entry: unknown): AttemptResult {
  const item = isObject(entry) ? Object.values(entry)[0] : undefined;
  if (!isObject(item) || typeof item.status !== 'number') return { kind: 'retry', reason: 'bulk item without a status' };
  const s = item.status;
  if ((s >= 200 && s < 300) || s === 409) return { kind: 'ok' };
  const reason = `${s} ${itemError(item.error)}`;
  if (s === 429 || s >= 500) return { kind: 'retry', reason };
  return { kind: 'fatal', reason };
}

function itemError(err: unknown): string {
  if (isObject(err)) {
    const type = typeof err.type === 'string' ? err.type : 'error';
    const reason = typeof err.reason === 'string' ? err.reason : '';
    const cause = isObject(err.caused_by) && typeof err.caused_by.reason === 'string' ? ` (${err.caused_by.reason})` : '';
    return `${type}: ${reason}${cause}`.slice(0, MAX_REASON);
  }
  return typeof err === 'string' ? err.slice(0, MAX_REASON) : 'no error detail';
}

function errorSummary(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isObject(parsed) && parsed.error !== undefined) return itemError(parsed.error);
  } catch {
    // Not JSON (a proxy's HTML page): use the text.
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, MAX_REASON) || 'no body';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
