import { type CompiledQuery, type Compilable, type Kysely, createQueryId } from 'kysely';

/**
 * Statements built by Kysely once per shape and afterwards only bound: for a hot statement (a
 * single create's data-modifying WITH) whose query tree costs more to build and compile than
 * the database takes to run it.
 *
 * A statement is described by its structure: nested arrays of values (the rows it writes),
 * where a `Part` stands for SQL that is not a value (the event's id selected from the statement
 * itself). The shape is the structure without its values: how many rows of how many values,
 * which parts, which values are `undefined` (Kysely leaves those columns out). The first time a
 * shape is seen, the statement is built from the structure through Kysely as always, and built a
 * second time with a placeholder for each value; what the two compile to tells which parameter
 * is which value. Later statements of that shape take the SQL text kept and only put their values
 * in that order. A shape is kept only when the placeholders compiled to the same text and, in
 * their places, to the same parameters: a builder that put a value into the text, or derived
 * something from one, is built through Kysely every time.
 *
 * `build` must read the values from the structure it is given and nothing else of the call
 * (what it takes from elsewhere is kept with the shape); the structure given at the first call
 * of a shape holds placeholders instead of values. It must not branch on a value either
 * (`v ?? x`, `v === null ? … : …`): the check above compares one call's values, so a shape learned
 * from a call where the branch went one way would bind later values as if it always did. A
 * choice that changes the SQL belongs in the structure's shape (a `Part`, or `undefined`).
 */
export class ShapedStatements {
  readonly #shapes = new Map<string, Shape | null>();
  /** How many statements were bound to a kept shape (for tests). */
  hits = 0;

  /** `max`: the shapes kept (others are built every time). */
  constructor(private readonly max = 64) {}

  /**
   * The compiled statement of `structure`, built by `build` (see the class) for `db`. Where `db`
   * has plugins (which may change each statement as it is compiled, and see it run: the tests'
   * statement watchers), it is built through Kysely every time, and no shape is learned.
   */
  compile<R>(
    db: Pick<Kysely<never>, 'getExecutor'>,
    prefix: string,
    structure: readonly unknown[],
    build: (structure: readonly unknown[]) => Compilable<R>,
  ): CompiledQuery<R> {
    if (db.getExecutor().plugins.length > 0) return build(structure).compile();
    const values: unknown[] = [];
    const key = prefix + shapeOf(structure, values);
    const shape = this.#shapes.get(key);
    if (shape) {
      this.hits++;
      const parameters = new Array<unknown>(shape.parameters.length);
      for (let i = 0; i < parameters.length; i++) {
        const p = shape.parameters[i];
        parameters[i] = p instanceof Slot ? values[p.index] : p;
      }
      return { sql: shape.sql, query: shape.query, queryId: createQueryId(), parameters };
    }
    const compiled = build(structure).compile();
    if (shape === undefined && this.#shapes.size < this.max)
      this.#shapes.set(key, learn(compiled, build(withSlots(structure, { next: 0 })).compile(), values));
    return compiled;
  }
}

/** SQL in a statement's structure that is not a value, with values of its own (`values`). */
export class Part {
  constructor(
    readonly tag: string,
    readonly values: readonly unknown[] = [],
  ) {}
}

/** The placeholder of the value at `index` (in shapeOf's order) while a shape is learned. */
class Slot {
  constructor(readonly index: number) {}
}

interface Shape {
  readonly sql: string;
  readonly query: CompiledQuery['query'];
  /** Each parameter: the value at a Slot's index, or a value that is the same for every statement of the shape. */
  readonly parameters: readonly unknown[];
}

/** The shape of `structure` as text, pushing its values (not `undefined`) to `values` in order. */
function shapeOf(structure: readonly unknown[], values: unknown[]): string {
  let key = '[';
  for (const x of structure) {
    if (Array.isArray(x)) key += shapeOf(x as unknown[], values);
    else if (x instanceof Part) key += x.tag + shapeOf(x.values, values);
    else if (x === undefined) key += 'u';
    else {
      key += '.';
      values.push(x);
    }
  }
  return key + ']';
}

/** `structure` with each value (not `undefined`) replaced by its Slot, in shapeOf's order. */
function withSlots(structure: readonly unknown[], counter: { next: number }): unknown[] {
  return structure.map((x) =>
    Array.isArray(x)
      ? withSlots(x as unknown[], counter)
      : x instanceof Part
        ? new Part(x.tag, withSlots(x.values, counter))
        : x === undefined
          ? undefined
          : new Slot(counter.next++),
  );
}

/** The shape `slotted` compiled to, if it gives exactly `compiled` for `values`; null if not. */
function learn(compiled: CompiledQuery, slotted: CompiledQuery, values: readonly unknown[]): Shape | null {
  if (slotted.sql !== compiled.sql || slotted.parameters.length !== compiled.parameters.length) return null;
  const parameters = slotted.parameters;
  for (let i = 0; i < parameters.length; i++) {
    const p = parameters[i];
    const value = p instanceof Slot ? values[p.index] : p;
    if (!Object.is(value, compiled.parameters[i])) return null;
  }
  // The placeholders' tree, not the first call's: that one holds a create's data (personal data),
  // which a kept shape would otherwise keep for the life of the process. Nothing reads it after
  // compiling; it is there because a CompiledQuery has one.
  return { sql: compiled.sql, query: slotted.query, parameters };
}
