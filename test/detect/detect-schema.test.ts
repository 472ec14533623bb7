import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load';
import { detectOptionsFrom } from '../../src/detect/options-from-config';
import { DEFAULT_DETECT_OPTIONS } from '../../src/detect/options';

test('no detect section: on, with the engine defaults', () => {
  const c = validateConfig({});
  assert.equal(c.detect.enabled, true);
  assert.deepEqual(detectOptionsFrom(c.detect), DEFAULT_DETECT_OPTIONS);
});

test('durations, thresholds and allow rules are read in their units', () => {
  const c = validateConfig({
    detect: {
      handoff: { window: '5m', commonThreshold: 4, commonWindow: '2h' },
      firstSeen: { learnFor: '1h' },
      beacon: { minCount: 12, maxJitter: 0.05 },
      allow: [{ cidr: '10.0.0.0/8', port: 53 }, { exe: '/opt/backup/*' }],
      maxKeys: 1000,
    },
  });
  const o = detectOptionsFrom(c.detect);
  assert.equal(o.handoff.windowUs, 300e6);
  assert.equal(o.handoff.commonThreshold, 4);
  assert.equal(o.handoff.commonWindowUs, 7200e6);
  assert.equal(o.firstSeen.learnForUs, 3600e6);
  assert.deepEqual([o.beacon.minCount, o.beacon.maxJitter], [12, 0.05]);
  assert.equal(o.allow.length, 2);
  assert.equal(o.maxKeys, 1000);
});

test('bad values name their key', () => {
  assert.throws(() => validateConfig({ detect: { handoff: { commonThreshold: 2 } } }), /detect\.handoff\.commonThreshold/);
  assert.throws(() => validateConfig({ detect: { allow: [{ cidr: '10.0.0.0/33' }] } }), /detect\.allow\[0\]\.cidr/);
  assert.throws(() => validateConfig({ detect: { allow: [{}] } }), /detect\.allow\[0\]/);
  assert.throws(() => validateConfig({ detect: { firstSeen: { learnFor: 'soon' } } }), /detect\.firstSeen\.learnFor/);
  assert.throws(() => validateConfig({ detect: { nope: true } }), /nope/);
});
