import { instance } from '@viz-js/viz';
import { CONTRACT_STATUSES, type ContractStatus, contractMachine } from '../../machines/contract.ts';

/**
 * The state chart, drawn from the machine definition itself (never a hand-kept copy): one edge per
 * transition, labelled `EVENT [guard] / audit event`.
 */

/** Where `npm run chart` writes the chart, under docs/ (the README shows the SVG). */
export const CHART_FILES = { svg: 'contract-machine.svg', mermaid: 'contract-machine.mmd' } as const;

export interface ChartEdge {
  readonly from: ContractStatus;
  readonly to: ContractStatus;
  readonly event: string;
  readonly guard: string | null;
  readonly auditEvent: string | null;
}

export function chartEdges(): ChartEdge[] {
  const edges: ChartEdge[] = [];
  for (const from of CONTRACT_STATUSES) {
    for (const [event, transitions] of contractMachine.root.states[from]?.transitions ?? []) {
      for (const transition of transitions) {
        const guard = transition.guard;
        const audit = transition.actions.find(
          (action): action is { type: string; params: { eventType: string } } =>
            typeof action === 'object' && action !== null && 'type' in action && action.type === 'writeAudit',
        );
        for (const target of transition.target ?? []) {
          edges.push({
            from,
            to: target.key as ContractStatus,
            event,
            guard: typeof guard === 'string' ? guard : null,
            auditEvent: audit?.params.eventType ?? null,
          });
        }
      }
    }
  }
  return edges;
}

export const edgeLabel = (edge: ChartEdge): string =>
  `${edge.event}${edge.guard === null ? '' : ` [${edge.guard}]`}${edge.auditEvent === null ? '' : ` / ${edge.auditEvent}`}`;

/** Mermaid `stateDiagram-v2` source (docs/contract-machine.mmd). */
export function chartMermaid(): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${contractMachine.config.initial}`];
  for (const edge of chartEdges()) lines.push(`  ${edge.from} --> ${edge.to}: ${edgeLabel(edge)}`);
  return `${lines.join('\n')}\n`;
}

/** The id of a transition's edge on the chart page: `edge_<from>_<EVENT>_<to>`. */
export const edgeId = (edge: Pick<ChartEdge, 'from' | 'event' | 'to'>): string => `edge_${edge.from}_${edge.event}_${edge.to}`;

/**
 * Graphviz source. With `countSlots`, each state gets a second label line ("–") that the chart page
 * replaces with the club's count of players in that state, and each edge an id by which it adds how
 * many times the transition happened.
 */
export function chartDot(options: { countSlots: boolean }): string {
  const quote = (text: string) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const lines = [
    'digraph contract {',
    '  rankdir=LR;',
    '  bgcolor="transparent";',
    '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#0a4f96", fontname="Helvetica", fontsize=14, margin="0.25,0.12"];',
    '  edge [color="#3d4450", fontname="Helvetica", fontsize=11];',
    '  start [shape=circle, label="", width=0.18, style=filled, fillcolor="#1b1f24"];',
    `  start -> ${contractMachine.config.initial};`,
  ];
  for (const state of CONTRACT_STATUSES) {
    const label = options.countSlots ? `${state}\n–` : state;
    lines.push(`  ${state} [id=${quote(`state_${state}`)}, label=${quote(label)}];`);
  }
  for (const edge of chartEdges()) {
    // The page's edges carry ids, so it can add how often each transition happened (edgeId).
    const id = options.countSlots ? `id=${quote(edgeId(edge))}, ` : '';
    lines.push(`  ${edge.from} -> ${edge.to} [${id}label=${quote(edgeLabel(edge))}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** SVG by Graphviz compiled to WebAssembly: no browser, no system packages, same output everywhere. */
export async function chartSvg(options: { countSlots: boolean }): Promise<string> {
  const viz = await instance();
  return viz.renderString(chartDot(options), { format: 'svg', engine: 'dot' });
}

/** The definition as the Stately visualizer imports it (`createMachine(<this JSON>)`). */
export function chartDefinition(): unknown {
  return JSON.parse(JSON.stringify(contractMachine.config));
}
