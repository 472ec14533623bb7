// The test suite's Sigma evaluator itself: the parts of the specification the rule tests lean on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRule, ruleMatches } from '../helpers/sigma-eval';

const rule = (detection: string) => parseRule(`title: t\nlogsource: { category: network_connection }\ndetection:\n${detection}`);
const REC = { Image: '/usr/bin/Curl', DestinationIp: '2001:db8::5', DestinationPort: 443, Initiated: 'true' };

test('values compare case-insensitively; numbers as text; a list matches on any value', () => {
  assert.equal(ruleMatches(rule(`  s:\n    Image|endswith: /curl\n    DestinationPort: ['80', 443]\n  condition: s`), REC), true);
  assert.equal(ruleMatches(rule(`  s:\n    Image|startswith: /usr/sbin\n  condition: s`), REC), false);
  assert.equal(ruleMatches(rule(`  s:\n    Image|contains|all: [usr, curl]\n  condition: s`), REC), true);
  assert.equal(ruleMatches(rule(`  s:\n    Image|contains|all: [usr, wget]\n  condition: s`), REC), false);
});

test('cidr checks the address family; null matches an absent field', () => {
  assert.equal(ruleMatches(rule(`  s:\n    DestinationIp|cidr: 2001:db8::/32\n  condition: s`), REC), true);
  assert.equal(ruleMatches(rule(`  s:\n    DestinationIp|cidr: 0.0.0.0/0\n  condition: s`), REC), false);
  assert.equal(ruleMatches(rule(`  s:\n    ParentImage: null\n  condition: s`), REC), true);
  assert.equal(ruleMatches(rule(`  s:\n    Image: null\n  condition: s`), REC), false);
});

test('condition: not binds tighter than and, and than or; parentheses; 1 of / all of / them', () => {
  const d = `  a:\n    Initiated: 'true'\n  b:\n    DestinationPort: 80\n  c:\n    Image|endswith: /curl\n`;
  assert.equal(ruleMatches(rule(`${d}  condition: a and not b`), REC), true);
  assert.equal(ruleMatches(rule(`${d}  condition: not a or c`), REC), true);
  assert.equal(ruleMatches(rule(`${d}  condition: not (a or c)`), REC), false);
  assert.equal(ruleMatches(rule(`${d}  condition: b or a and not c`), REC), false);
  assert.equal(ruleMatches(rule(`${d}  condition: 1 of them`), REC), true);
  assert.equal(ruleMatches(rule(`${d}  condition: all of them`), REC), false);
  assert.throws(() => ruleMatches(rule(`${d}  condition: a and missing`), REC), /unknown search/);
});
