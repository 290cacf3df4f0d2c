/** Hash routes: `#/canister/<id>`, `#/dapp/<backend>`, `#/mine`, `#/registry[/<type>]`, `#/` (search). */
export type Route =
  | { view: 'home' }
  | { view: 'canister'; id: string }
  | { view: 'dapp'; id: string }
  | { view: 'mine' }
  | { view: 'registry'; type?: string };

/**
 * The route of a location hash (unknown hashes go home).
 *
 * @example
 * parseRoute('#/dapp/rrkah-fqaaa-aaaaa-aaaaq-cai'); // { view: 'dapp', id: 'rrkah-…' }
 */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map((p) => decodeURIComponent(p));
  const [head, arg] = parts;
  if ((head === 'canister' || head === 'dapp') && arg) return { view: head, id: arg.trim() };
  if (head === 'mine') return { view: 'mine' };
  if (head === 'registry') return arg ? { view: 'registry', type: arg } : { view: 'registry' };
  return { view: 'home' };
}

/** The hash of a route. */
export function routeHash(route: Route): string {
  switch (route.view) {
    case 'canister': case 'dapp': return `#/${route.view}/${encodeURIComponent(route.id)}`;
    case 'mine': return '#/mine';
    case 'registry': return route.type ? `#/registry/${encodeURIComponent(route.type)}` : '#/registry';
    default: return '#/';
  }
}
