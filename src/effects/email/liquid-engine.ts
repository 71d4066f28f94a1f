import { type Context, Liquid, type Template, Tag, type TagToken, type TopLevelToken } from 'liquidjs';
import { DEFAULT_TIME_ZONE } from '../../domain/timing/index.js';
import {
  type FilterSettings,
  firstName,
  formatDate,
  formatMoney,
  formatNumber,
  initials,
  properName,
  surname,
} from './email-filters.js';

/**
 * The Liquid set-up for e-mail templates. Nothing a user types is executed as code:
 *
 * - strict variables: a merge field that does not exist is an error, not an empty string;
 * - strict filters, and no `raw` filter: in HTML every value is escaped, always;
 * - no `include`, `render`, `layout` or `block`: templates cannot read files;
 * - limits on template size, render time and memory.
 *
 * Values are data to Liquid: a contact named `{{ 7*7 }}` prints those characters.
 */
export type RenderMode = 'html' | 'text';

/** The scope key under which a render passes its FilterSettings (a symbol: templates cannot name it). */
export const RENDER_SETTINGS = Symbol('werkflow.renderSettings');

/** Filters this engine adds (or replaces, for `date`); listed in docs/email.md. */
export const EMAIL_FILTERS = [
  'date',
  'money',
  'number',
  'name',
  'surname',
  'initials',
  'first_name',
] as const;

export const BLOCKED_TAGS = ['include', 'render', 'layout', 'block'] as const;

/** What Liquid binds `this` to in a filter (its own type is not exported). */
interface FilterImpl {
  readonly context: Context;
}

function settingsOf(impl: FilterImpl): FilterSettings {
  const env = impl.context.environments as Record<symbol, FilterSettings | undefined>;
  return env[RENDER_SETTINGS] ?? { language: 'nl', timeZone: DEFAULT_TIME_ZONE, now: 0 };
}

function blockedTag(name: string) {
  return class extends Tag {
    constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
      super(token, remain, liquid);
      throw new Error(
        `{% ${name} %} is not available in e-mail templates: a template is one text and cannot load others.`,
      );
    }
    render(): void {}
  };
}

export function createLiquid(mode: RenderMode): Liquid {
  const liquid = new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    outputEscape: mode === 'html' ? 'escape' : undefined,
    // In-memory, empty: even if a file tag slipped through, there is nothing to read.
    templates: {},
    relativeReference: false,
    dynamicPartials: false,
    parseLimit: 1_000_000,
    renderLimit: 10_000,
    memoryLimit: 50_000_000,
    greedy: false,
  });
  // `raw` would switch escaping off for a value: a contact named <script> would become markup.
  delete (liquid.filters as Record<string, unknown>)['raw'];
  for (const name of BLOCKED_TAGS) liquid.registerTag(name, blockedTag(name));
  liquid.registerFilter('date', function (this: FilterImpl, v: unknown, format?: unknown, lang?: unknown) {
    return formatDate(v, format, lang, settingsOf(this));
  });
  liquid.registerFilter('money', function (this: FilterImpl, v: unknown, currency?: unknown, lang?: unknown) {
    return formatMoney(v, currency, lang, settingsOf(this));
  });
  liquid.registerFilter(
    'number',
    function (this: FilterImpl, v: unknown, decimals?: unknown, lang?: unknown) {
      return formatNumber(v, decimals, lang, settingsOf(this));
    },
  );
  liquid.registerFilter('name', (v: unknown) => properName(v));
  liquid.registerFilter('surname', (v: unknown) => surname(v));
  liquid.registerFilter('initials', (v: unknown) => initials(v));
  liquid.registerFilter('first_name', (v: unknown) => firstName(v));
  return liquid;
}

/** A parsed template part, ready to render many times. */
export interface ParsedPart {
  readonly mode: RenderMode;
  readonly templates: Template[];
}

/** The two engines (HTML-escaping and plain) with a small cache of parsed templates. */
export class LiquidEngines {
  readonly html = createLiquid('html');
  readonly text = createLiquid('text');
  private readonly cache = new Map<string, ParsedPart>();

  engine(mode: RenderMode): Liquid {
    return mode === 'html' ? this.html : this.text;
  }

  /** Parses a part; throws Liquid's error (with line and column) when it does not parse. */
  parse(mode: RenderMode, source: string): ParsedPart {
    return { mode, templates: this.engine(mode).parse(source) };
  }

  /** Parses through the cache; `key` must change when the source does (id + version). */
  parseCached(key: string, mode: RenderMode, source: string): ParsedPart {
    const k = `${mode}:${key}`;
    const hit = this.cache.get(k);
    if (hit) return hit;
    const parsed = this.parse(mode, source);
    if (this.cache.size > 500) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(k, parsed);
    return parsed;
  }

  async render(part: ParsedPart, scope: object): Promise<string> {
    return (await this.engine(part.mode).render(part.templates, scope)) as string;
  }
}
