import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleLine } from '../../../src/sinks/console/console-sink';
import { egressEvent, HOSTILE_NAMES } from '../../helpers/events';

test('an alert line leads with ALERT and its rule; a connection line has neither', () => {
  const ev = egressEvent();
  assert.doesNotMatch(consoleLine(ev), /ALERT/);
  const alert = { ...ev, alert: { rule: 'beacon' as const, description: 'd', reason: 'curl[4242] reached 93.184.216.34:443 every 60s', severity: 3, riskScore: 63, id: 'abc' } };
  assert.match(
    consoleLine(alert),
    /^\S+ ALERT beacon: curl\[4242\] reached 93\.184\.216\.34:443 every 60s \(93\.184\.216\.34:443 curl\[4242\] user=alice exe=\/usr\/bin\/curl id=abc\)$/,
  );
});

test('a hostile process name in the reason stays on the one line', () => {
  for (const name of HOSTILE_NAMES) {
    const ev = egressEvent();
    const line = consoleLine({
      ...ev,
      process: { ...ev.process!, name },
      alert: { rule: 'handoff', description: 'd', reason: `${name}[1] exited`, severity: 3, riskScore: 73, id: 'x' },
    });
    assert.doesNotMatch(line, /[\n\r\u2028\u2029]/, JSON.stringify(name));
  }
});
