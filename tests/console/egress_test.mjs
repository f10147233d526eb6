// console/www/egress.js, the Overview's egress sums.  Run: node --test tests/console/
import assert from 'node:assert/strict';
import test from 'node:test';
import { egressSums } from '../../console/www/egress.js';

const node = (role, status, egressBitrate) => ({ role, status, egressBitrate });

test('edges and origins are summed apart, alive ones only', () => {
  const nodes = [
    node('edge', 'alive', 2000000), node('edge', 'alive', 500000),
    node('edge', 'dead', 9000000),
    node('origin', 'alive', 300000), node('origin', 'dead', 7),
  ];
  assert.deepEqual(egressSums(nodes), { edges: 2500000, origins: 300000 });
});

test('a node without egressBitrate (an older build) or with a bad one counts 0', () => {
  const nodes = [
    { role: 'edge', status: 'alive' }, node('edge', 'alive', null),
    node('edge', 'alive', 'x'), node('edge', 'alive', -5), node('edge', 'alive', 1500),
    node('lb', 'alive', 1e9),
  ];
  assert.deepEqual(egressSums(nodes), { edges: 1500, origins: 0 });
});

test('no nodes: zeros', () => {
  assert.deepEqual(egressSums([]), { edges: 0, origins: 0 });
  assert.deepEqual(egressSums(undefined), { edges: 0, origins: 0 });
});

test('sums past 32 bits stay exact', () => {
  const nodes = [node('edge', 'alive', 6000000000), node('edge', 'alive', 6000000000)];
  assert.equal(egressSums(nodes).edges, 12000000000);
});
