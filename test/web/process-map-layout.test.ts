/**
 * The process map's layout (src/web/app/process-map-layout.ts), as properties: boxes never
 * overlap, a template is drawn below the templates that start it (when they do not start each
 * other in a loop), and a wrapped label keeps its words in order within the box.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NODE_H,
  NODE_W,
  type MapEdge,
  type MapNode,
  layoutMap,
  wrapLabel,
} from '../../src/web/app/process-map-layout.js';

const KINDS = ['conditions', 'reminder', 'creates'] as const;

/** A random process: templates with optional parts, and trigger edges between them. */
const processes = fc.array(fc.subarray([...KINDS]), { minLength: 1, maxLength: 8 }).chain((parts) =>
  fc.array(fc.tuple(fc.nat(parts.length - 1), fc.nat(parts.length - 1)), { maxLength: 10 }).map((pairs) => {
    const nodes: MapNode[] = parts.flatMap((kinds, i) => [
      { id: `event:t${i}`, kind: 'event' as const, templateId: `t${i}`, label: `e${i}` },
      { id: `action:t${i}`, kind: 'action' as const, templateId: `t${i}`, label: `a${i}` },
      ...kinds.map((kind) => ({ id: `${kind}:t${i}`, kind, templateId: `t${i}`, label: `${kind}${i}` })),
    ]);
    const edges: MapEdge[] = pairs
      .filter(([a, b]) => a !== b)
      .map(([a, b]) => ({ from: `action:t${a}`, to: `event:t${b}`, kind: 'trigger' as const }));
    return { nodes, edges };
  }),
);

describe('process map layout', () => {
  it('no two boxes overlap, and every box lies inside the drawing', () => {
    fc.assert(
      fc.property(processes, (map) => {
        const { position, width, height } = layoutMap(map);
        const boxes = map.nodes.map((n) => position.get(n.id)!);
        for (const b of boxes) {
          expect(b.x + NODE_W).toBeLessThanOrEqual(width);
          expect(b.y + NODE_H).toBeLessThanOrEqual(height);
        }
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const [a, b] = [boxes[i]!, boxes[j]!];
            const apart =
              a.x + NODE_W <= b.x || b.x + NODE_W <= a.x || a.y + NODE_H <= b.y || b.y + NODE_H <= a.y;
            expect(apart, `${map.nodes[i]!.id} and ${map.nodes[j]!.id}`).toBe(true);
          }
      }),
    );
  });

  it('a template is drawn below the ones that start it, unless they start each other', () => {
    fc.assert(
      fc.property(processes, (map) => {
        const { order } = layoutMap(map);
        const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
          map.edges.some((e) => {
            const a = e.from.split(':')[1]!;
            const b = e.to.split(':')[1]!;
            if (a !== from || seen.has(b)) return false;
            seen.add(b);
            return b === to || reaches(b, to, seen);
          });
        for (const e of map.edges) {
          const a = e.from.split(':')[1]!;
          const b = e.to.split(':')[1]!;
          if (!reaches(b, a)) expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
        }
        expect([...order].sort()).toEqual([...new Set(map.nodes.map((n) => n.templateId))].sort());
      }),
    );
  });

  it('a wrapped label fits the box and keeps its words in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-zé"-]{1,40}$/), { maxLength: 30 }),
        fc.integer({ min: 8, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (words, chars, max) => {
          const lines = wrapLabel(words.join(' '), chars, max);
          expect(lines.length).toBeLessThanOrEqual(max);
          for (const line of lines) expect(line.length).toBeLessThanOrEqual(chars);
          const text = words.join(' ');
          if (!lines.some((l) => l.endsWith('…'))) expect(lines.join(' ')).toBe(text);
          // What is shown is the text's own words, in order, up to where it was cut.
          let at = 0;
          for (const line of lines) {
            const shown = line.endsWith('…') ? line.slice(0, -1) : line;
            const found = text.indexOf(shown, at);
            expect(found, line).toBeGreaterThanOrEqual(0);
            at = found + shown.length;
          }
        },
      ),
    );
  });
});
