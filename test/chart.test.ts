import { readFileSync } from 'node:fs';
import test from 'ava';
import { createMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import { CONTRACT_STATUSES, contractMachine } from '../machines/contract.ts';
import { CHART_FILES, chartEdges, chartMermaid, chartSvg, edgeLabel } from '../src/chart/contract-chart.ts';
import { useHarness } from './helpers/context.ts';
import { request } from './helpers/http.ts';

// docs/PRODUCT.md, "Operations": the state chart, drawn from the machine, never a hand-kept copy.

const harness = useHarness();
const committed = (file: string) => readFileSync(new URL(`../docs/${file}`, import.meta.url), 'utf8');

test("the chart's states and transitions are the machine's", (t) => {
  const graph = toDirectedGraph(contractMachine);
  const fromXstate = graph.children
    .flatMap((node) => node.edges)
    .map((edge) => `${edge.source.key} -${edge.transition.eventType}-> ${edge.target.key}`)
    .sort();
  t.deepEqual(
    chartEdges()
      .map((edge) => `${edge.from} -${edge.event}-> ${edge.to}`)
      .sort(),
    fromXstate,
  );
  t.deepEqual(graph.children.map((node) => node.stateNode.key).sort(), [...CONTRACT_STATUSES].sort());
});

test('edges are labelled with event, guard and the audit row written', (t) => {
  t.deepEqual(chartEdges().map(edgeLabel).sort(), [
    'DECLINE / decline',
    'EXPIRE / expire',
    'OFFER',
    'OFFER',
    'OFFER',
    'OFFER',
    'OFFER [force] / re_offer',
    'OFFER [teamChange] / tier_change',
    'SIGN / sign',
    'SIGN [moreSignersPending] / signature',
    'WITHDRAW / withdraw',
  ]);
});

test('the committed docs/ chart is what the machine draws today (run `npm run chart` if not)', async (t) => {
  t.is(committed(CHART_FILES.mermaid), chartMermaid());
  t.is(committed(CHART_FILES.svg), await chartSvg({ countSlots: false }));
});

test('the SVG shows every state and every transition label', async (t) => {
  const svg = await chartSvg({ countSlots: false });
  for (const state of CONTRACT_STATUSES) t.regex(svg, new RegExp(`id="state_${state}"`));
  for (const edge of chartEdges()) t.true(svg.includes(`>${edgeLabel(edge)}</text>`), edgeLabel(edge));
});

test('GET /contract-machine.svg serves the chart as SVG', async (t) => {
  const reply = await request(harness().server.baseUrl, 'GET', '/contract-machine.svg');
  t.is(reply.status, 200);
  t.regex(reply.headers.get('content-type') ?? '', /^image\/svg\+xml/);
  t.is(reply.body, await chartSvg({ countSlots: false }));
});

test('GET /contract-machine.json is a definition the Stately visualizer (createMachine) accepts', async (t) => {
  const reply = await request(harness().server.baseUrl, 'GET', '/contract-machine.json');
  t.is(reply.status, 200);
  const imported = createMachine(reply.body);
  t.deepEqual(Object.keys(imported.root.states).sort(), [...CONTRACT_STATUSES].sort());
  t.is(reply.body.states.offered.on.OFFER.guard, 'force');
});

test('GET /contract-machine is a page with the chart inline and its own script', async (t) => {
  const reply = await request(harness().server.baseUrl, 'GET', '/contract-machine');
  t.is(reply.status, 200);
  t.regex(reply.headers.get('content-type') ?? '', /^text\/html/);
  for (const state of CONTRACT_STATUSES) t.true(reply.body.includes(`id="state_${state}"`), state);
  t.regex(reply.body, /<script src="assets\/chart-page.js" defer><\/script>/);
  t.regex(reply.headers.get('content-security-policy') ?? '', /script-src 'self'; connect-src 'self'/);
});
