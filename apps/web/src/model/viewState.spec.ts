import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_VIEW, baselineOf, formatViewState, parseViewState, replayWindow, windowOf, type ViewState } from './viewState.ts';

test('a view written to the URL reads back the same, and the defaults write nothing', () => {
  assert.equal(formatViewState(DEFAULT_VIEW), '');
  const view: ViewState = {
    ...DEFAULT_VIEW,
    range: '1h',
    live: false,
    at: 1_800_000_000,
    selected: 'k8s:shop/Deployment/web & co',
    depth: 3,
    direction: 'in',
    namespace: 'shop',
    errorsOnly: true,
    minRate: 0.5,
    compare: 'custom',
    baselineFrom: 1_799_990_000,
    baselineTo: 1_799_993_600,
    edge: { source: 'k8s:shop/Deployment/web', target: 'external:203.0.113.10', port: 443 },
    showAll: true,
    budget: 50,
    list: true,
  };
  const search = formatViewState(view);
  assert.deepEqual(parseViewState(new URLSearchParams(search)), view);
  // Equal views, equal URLs: the order is fixed.
  assert.equal(formatViewState(parseViewState(new URLSearchParams(search))), search);
  const custom: ViewState = { ...DEFAULT_VIEW, range: null, from: 100, to: 200, live: false };
  assert.deepEqual(parseViewState(new URLSearchParams(formatViewState(custom))), custom);
});

test('what is malformed takes its default', () => {
  const view = parseViewState(new URLSearchParams('range=2y&depth=9&direction=up&budget=-1&edge_port=70000&edge_source=a&edge_target=b&from=5&to=3&compare=custom&min_rate=NaN'));
  assert.equal(view.range, '15m');
  assert.equal(view.depth, 1);
  assert.equal(view.direction, 'both');
  assert.equal(view.budget, DEFAULT_VIEW.budget);
  assert.equal(view.edge, null);
  assert.equal(view.from, null);
  assert.equal(view.compare, null, 'a custom baseline without its bounds is none');
  assert.equal(view.minRate, 0);
});

test('windows: presets end now, a replay is a slice ending at its second, baselines sit where they say', () => {
  const now = 1_800_000_000;
  assert.deepEqual(windowOf({ ...DEFAULT_VIEW, range: '1h' }, now), { from: now - 3600, to: now });
  assert.deepEqual(windowOf({ ...DEFAULT_VIEW, range: null, from: 10, to: 20 }, now), { from: 10, to: 20 });
  const hour = { from: now - 3600, to: now };
  assert.deepEqual(replayWindow(hour, now - 600), { from: now - 720, to: now - 600 });
  assert.deepEqual(replayWindow(hour, now - 3599), { from: now - 3600, to: now - 3480 }, 'at least a slice, inside the window');
  assert.deepEqual(baselineOf({ ...DEFAULT_VIEW, compare: 'previous' }, hour), { from: now - 7200, to: now - 3600 });
  assert.deepEqual(baselineOf({ ...DEFAULT_VIEW, compare: '1d' }, hour), { from: now - 3600 - 86_400, to: now - 86_400 });
  assert.equal(baselineOf(DEFAULT_VIEW, hour), null);
});
