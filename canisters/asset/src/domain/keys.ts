/**
 * Asset keys, request paths and aliases.
 *
 * A key is the absolute, normalised path an asset is served at: it starts with `/`, its segments
 * are non-empty and none is `.`, `..`, `<$>` or `<*>` (the tree's terminators); it has no
 * trailing `/`, no control characters, no `?`, `#` or `\`, no percent-escape (`%2F`: keys are
 * stored decoded, as request paths are decoded before lookup), and at most 1024 bytes of UTF-8.
 */
import { fromUtf8, utf8 } from './bytes.js';
import { EXACT_TERMINATOR, WILDCARD_TERMINATOR } from './http-cert.js';
import { MAX_KEY_BYTES } from './limits.js';

/** Why `key` is not a valid asset key, or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (!key.startsWith('/')) return 'a key starts with "/"';
  if (key === '/') return 'the key "/" names no file (upload "/index.html"; "/" serves it)';
  if (utf8(key).length > MAX_KEY_BYTES) return `a key has at most ${MAX_KEY_BYTES} bytes`;
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'a key has no control characters';
  if (/[?#\\]/.test(key)) return 'a key has no "?", "#" or "\\"';
  if (/%[0-9a-fA-F]{2}/.test(key)) return 'a key is stored decoded: no percent-escapes';
  if (key.endsWith('/')) return 'a key has no trailing "/"';
  const segments = key.slice(1).split('/');
  for (const s of segments) {
    if (s === '') return 'a key has no empty segment ("//")';
    if (s === '.' || s === '..') return 'a key has no "." or ".." segment';
    if (s === EXACT_TERMINATOR || s === WILDCARD_TERMINATOR) return `a key has no "${s}" segment`;
  }
  return undefined;
}

/**
 * The path of a request URL, percent-decoded (WHATWG: `%XX` becomes the byte, other `%` stay),
 * or undefined when the decoded bytes are not UTF-8 or the path does not start with `/`.
 */
export function requestPath(url: string): string | undefined {
  let path = url;
  const q = path.search(/[?#]/);
  if (q >= 0) path = path.slice(0, q);
  if (!path.startsWith('/')) return undefined;
  if (!path.includes('%')) return path;
  const raw = utf8(path);
  const out: number[] = [];
  const hex = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 37 && i + 2 < raw.length) {
      const h = hex(raw[i + 1]!);
      const l = hex(raw[i + 2]!);
      if (h >= 0 && l >= 0) {
        out.push(h * 16 + l);
        i += 2;
        continue;
      }
    }
    out.push(c);
  }
  return fromUtf8(Uint8Array.from(out));
}

/**
 * The segments of a request path as response verification reads them: the non-empty parts
 * between slashes, plus `""` when the path ends with `/` (so `/` is `[""]`, `/a/` is `["a", ""]`).
 */
export function pathSegments(path: string): string[] {
  const segments = path.split('/').filter((s) => s !== '');
  if (path.endsWith('/')) segments.push('');
  return segments;
}

/** The path a request is served as: its segments joined again (`/a//b` → `/a/b`). */
export function canonicalPath(path: string): string {
  const segments = pathSegments(path);
  return `/${segments.join('/')}`;
}

/**
 * The keys a path that is not itself an asset falls back to, in order: `/a/` → `/a/index.html`;
 * `/a` → `/a.html`, `/a/index.html`; a path ending in `.html` has none.
 */
export function aliasTargets(path: string): string[] {
  if (path.endsWith('/')) return [`${path}index.html`];
  if (path.endsWith('.html')) return [];
  return [`${path}.html`, `${path}/index.html`];
}

/** The paths for which `key` is an alias target (the inverse of `aliasTargets`). */
export function aliasPaths(key: string): string[] {
  let candidates: string[] = [];
  if (key === '/index.html') candidates = ['/index', '/'];
  else if (key.endsWith('/index.html')) {
    const dir = key.slice(0, -'/index.html'.length);
    candidates = [`${dir}/index`, `${dir}/`, dir];
  } else if (key.endsWith('.html')) candidates = [key.slice(0, -'.html'.length)];
  return candidates.filter((p) => aliasTargets(p).includes(key));
}
