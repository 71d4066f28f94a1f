/**
 * A small history-API router: paths such as `/actions/123` map to screens; links with a
 * same-origin href are followed without reloading the page. The server answers index.html for
 * every such path, so reloading or sharing a link works too.
 */

export type Params = Record<string, string>;
export type Render = (outlet: HTMLElement, params: Params, query: URLSearchParams) => void | Promise<void>;

interface Route {
  readonly pattern: RegExp;
  readonly keys: string[];
  readonly render: Render;
}

const routes: Route[] = [];
let outlet: HTMLElement | null = null;
let fallback: Render = () => undefined;
const listeners: ((path: string) => void)[] = [];

/** `route('/actions/:id', render)` */
export function route(path: string, render: Render): void {
  const keys: string[] = [];
  const source = path.replace(/\/:(\w+)/g, (_m, key: string) => {
    keys.push(key);
    return '/([^/]+)';
  });
  routes.push({ pattern: new RegExp(`^${source}/?$`), keys, render });
}

export function notFound(render: Render): void {
  fallback = render;
}

export function onNavigate(listener: (path: string) => void): void {
  listeners.push(listener);
}

/** Renders the screen of the current address into the outlet. */
export async function render(): Promise<void> {
  if (!outlet) return;
  const path = location.pathname === '/' ? '/actions' : location.pathname;
  const query = new URLSearchParams(location.search);
  for (const listener of listeners) listener(path);
  // Each render gets its own container: a slow screen that finishes late writes into a detached one.
  const target = document.createElement('div');
  target.className = 'screen';
  outlet.replaceChildren(target);
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Params = {};
    r.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1]!)));
    await r.render(target, params, query);
    return;
  }
  await fallback(target, {}, query);
}

/** Goes to `path` (adding a history entry) and renders it. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  void render();
  outlet?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

/** Starts routing into `into`: link clicks and back/forward. */
let started = false;

export function start(into: HTMLElement): void {
  outlet = into;
  if (started) {
    void render();
    return;
  }
  started = true;
  window.addEventListener('popstate', () => void render());
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    const link = (event.target as Element | null)?.closest?.('a');
    if (!link || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  void render();
}

/** Leaves the router (log-out): no more rendering into the old outlet. */
export function stop(): void {
  outlet = null;
}
