import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkBody, classifyBulkResponse, documentId, normaliseDocument, retryAfterMs } from '../../../src/sinks/elasticsearch/bulk-body';

test('bulk body: one create action with a content-derived id per document', () => {
  const body = bulkBody(['{"a":1}', '{"b":2}'], 'logs-x-default');
  const lines = body.split('\n');
  assert.equal(lines.length, 5);
  assert.equal(lines[4], '');
  assert.deepEqual(JSON.parse(lines[0]!), { create: { _index: 'logs-x-default', _id: documentId('{"a":1}') } });
  assert.equal(lines[1], '{"a":1}');
  assert.match(documentId('{"a":1}'), /^[A-Za-z0-9_-]{27}$/);
  assert.notEqual(documentId('{"a":1}'), documentId('{"a":2}'));
});

test('multi-line JSON is re-serialised; non-JSON with a newline is refused', () => {
  assert.deepEqual(normaliseDocument('{\n "a": 1\n}'), { doc: '{"a":1}' });
  assert.ok('error' in normaliseDocument('not\njson'));
});

test('per-item statuses map to ok / retry / fatal', () => {
  const body = JSON.stringify({
    errors: true,
    items: [
      { create: { status: 201 } },
      { create: { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'exists' } } },
      { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } },
      { create: { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad field', caused_by: { reason: 'not a number' } } } },
      { create: { status: 500, error: { type: 'x', reason: 'y' } } },
      { create: {} },
    ],
  });
  assert.deepEqual(classifyBulkResponse(200, body, 6), [
    { kind: 'ok' },
    { kind: 'ok' },
    { kind: 'retry', reason: '429 es_rejected_execution_exception: queue full' },
    { kind: 'fatal', reason: '400 mapper_parsing_exception: bad field (not a number)' },
    { kind: 'retry', reason: '500 x: y' },
    { kind: 'retry', reason: 'bulk item without a status' },
  ]);
});

test('whole-request failures', () => {
  assert.deepEqual(classifyBulkResponse(200, '{"errors":false}', 2), [{ kind: 'ok' }, { kind: 'ok' }]);
  assert.deepEqual(classifyBulkResponse(429, '', 1, 1500), [{ kind: 'retry', reason: 'HTTP 429: no body', afterMs: 1500 }]);
  for (const s of [401, 403, 404, 408, 500, 502, 503, 504]) assert.equal(classifyBulkResponse(s, '', 1)[0]!.kind, 'retry', String(s));
  assert.deepEqual(classifyBulkResponse(400, '{"error":{"type":"parse_exception","reason":"bad"}}', 1), [{ kind: 'fatal', reason: 'HTTP 400: parse_exception: bad' }]);
  assert.equal(classifyBulkResponse(413, '<html>too big</html>', 1)[0]!.kind, 'fatal');
  assert.equal(classifyBulkResponse(200, '<html>', 1)[0]!.kind, 'retry');
  assert.equal(classifyBulkResponse(200, '{"errors":true,"items":[]}', 2)[0]!.kind, 'retry');
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT'), undefined);
});
