/**
 * The process map's layout, pure so it can be tested: one row per template (event, conditions,
 * action, follow-ups in four columns), rows ordered so that a template comes after those that
 * start it, and labels wrapped to fit a box.
 */
// From the generated schema itself (not api.ts), so the tests can import this file without the DOM.
import type { paths } from './api-schema.js';

export type ProcessMap =
  paths['/api/processes/{process}/map']['get']['responses'][200]['content']['application/json'];
export type MapNode = ProcessMap['nodes'][number];
export type MapEdge = ProcessMap['edges'][number];

export const COLUMN: Record<MapNode['kind'], number> = {
  event: 0,
  conditions: 1,
  action: 2,
  reminder: 3,
  creates: 3,
};
export const NODE_W = 200;
export const NODE_H = 76;
const GAP_X = 48;
const GAP_Y = 28;
const PAD = 12;
/** Characters a label line holds: about 7 px each at 13 px, inside the 180 px a box leaves for text. */
export const CHARS = 25;

/** Node positions: a row per template (two when it has both a reminder and a created dossier). */
export function layoutMap(map: Pick<ProcessMap, 'nodes' | 'edges'>) {
  const templates = [...new Set(map.nodes.map((n) => n.templateId))];
  // Rows in the order templates start one another: a template comes after those that start it.
  const starts = new Map<string, Set<string>>();
  const templateOf = new Map(map.nodes.map((n) => [n.id, n.templateId]));
  for (const e of map.edges) {
    if (e.kind !== 'trigger') continue;
    const from = templateOf.get(e.from);
    const to = templateOf.get(e.to);
    if (from && to && from !== to) starts.set(to, (starts.get(to) ?? new Set()).add(from));
  }
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string) => {
    if (ordered.includes(id) || visiting.has(id)) return; // a loop: keep the order it came in
    visiting.add(id);
    for (const before of starts.get(id) ?? []) visit(before);
    visiting.delete(id);
    ordered.push(id);
  };
  for (const id of templates) visit(id);
  const position = new Map<string, { x: number; y: number }>();
  let row = 0;
  for (const id of ordered) {
    const nodes = map.nodes.filter((n) => n.templateId === id);
    const followUps = nodes.filter((n) => COLUMN[n.kind] === 3);
    for (const n of nodes) {
      const below = COLUMN[n.kind] === 3 ? followUps.indexOf(n) : 0;
      position.set(n.id, {
        x: PAD + COLUMN[n.kind] * (NODE_W + GAP_X),
        y: PAD + (row + below) * (NODE_H + GAP_Y),
      });
    }
    row += Math.max(1, followUps.length);
  }
  return {
    position,
    width: PAD * 2 + 4 * NODE_W + 3 * GAP_X,
    height: PAD * 2 + Math.max(1, row) * (NODE_H + GAP_Y) - GAP_Y,
    order: ordered,
  };
}

/** A label in lines of about `CHARS` characters, at most `max` lines (the last one cut with …). */
export function wrapLabel(text: string, chars = CHARS, max = 2): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  // A word longer than a line is cut; so is the last line shown when more would follow.
  const cut = (l: string) => `${l.slice(0, chars - 1)}…`;
  const kept = lines.slice(0, max).map((l) => (l.length > chars ? cut(l) : l));
  if (lines.length > max && !kept[max - 1]!.endsWith('…')) kept[max - 1] = cut(kept[max - 1]!);
  return kept;
}
