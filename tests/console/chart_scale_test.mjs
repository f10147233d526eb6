// console/www/chart_scale.js, the node charts' arithmetic (node --test).
import assert from 'node:assert/strict';
import test from 'node:test';
import { ago, niceMax, points, runs, stats } from '../../console/www/chart_scale.js';

test('runs break at gaps and at unknown values', () => {
  const t = [0, 1000, 2000, 10000, 11000, 12000];
  const v = [5, 6, 7, 8, -1, 9];
  assert.deepEqual(runs(t, v, 2500), [
    [{ t: 0, v: 5 }, { t: 1000, v: 6 }, { t: 2000, v: 7 }],
    [{ t: 10000, v: 8 }],
    [{ t: 12000, v: 9 }],
  ]);
  assert.deepEqual(runs([], [], 1000), []);
  assert.deepEqual(runs([0, 1], [NaN, null], 1000), []);
});

test('points map time left to right and value bottom to top, clamped', () => {
  const box = { x0: 10, x1: 110, top: 0, bottom: 50 };
  const run = [{ t: 0, v: 0 }, { t: 50, v: 50 }, { t: 100, v: 100 }, { t: 200, v: 150 }];
  assert.deepEqual(points(run, box, 0, 100, 0, 100), [[10, 50], [60, 25], [110, 0], [110, 0]]);
  // Before the window: pinned to the left edge, not drawn outside the box.
  assert.deepEqual(points([{ t: -50, v: 33.33 }], box, 0, 100, 0, 100), [[10, 33.3]]);
  // A flat domain does not divide by zero.
  assert.deepEqual(points([{ t: 5, v: 0 }], box, 5, 5, 0, 0), [[10, 50]]);
});

test('niceMax rounds a count axis up to 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceMax(0), 1);
  assert.equal(niceMax(1), 1);
  assert.equal(niceMax(1.5), 2);
  assert.equal(niceMax(3), 5);
  assert.equal(niceMax(7), 10);
  assert.equal(niceMax(10), 10);
  assert.equal(niceMax(11), 20);
  assert.equal(niceMax(420), 500);
});

test('stats summarise the known values', () => {
  assert.deepEqual(stats([3, -1, 9, 4]), { last: 4, min: 3, max: 9 });
  assert.equal(stats([-1, NaN]), null);
  assert.equal(stats([]), null);
});

test('ago labels the time axis', () => {
  assert.equal(ago(0), 'now');
  assert.equal(ago(3600000), '60 min ago');
  assert.equal(ago(120000), '2 min ago');
  assert.equal(ago(60000), '60 s ago');
});
