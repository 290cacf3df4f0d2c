/**
 * Content types by file extension: what `@dfinity/assets`' AssetManager (through `mime` 3's
 * standard table) gives for the file types of web builds, so a directory uploaded with
 * AssetManager's defaults certifies the root `@lineage/sdk` computes for it. Anything else is
 * `application/octet-stream`.
 */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  js: 'application/javascript',
  mjs: 'application/javascript',
  cjs: 'application/node',
  json: 'application/json',
  map: 'application/json',
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  xml: 'application/xml',
  xhtml: 'application/xhtml+xml',
  svg: 'image/svg+xml',
  svgz: 'image/svg+xml',
  png: 'image/png',
  apng: 'image/apng',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  wasm: 'application/wasm',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  mp4: 'video/mp4',
  webm: 'video/webm',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  ogv: 'video/ogg',
  opus: 'audio/ogg',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  mov: 'video/quicktime',
  mpeg: 'video/mpeg',
  mpg: 'video/mpeg',
  ts: 'video/mp2t',
  '3gp': 'video/3gpp',
  weba: 'audio/webm',
  mid: 'audio/midi',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  yaml: 'text/yaml',
  yml: 'text/yaml',
  toml: 'application/toml',
  json5: 'application/json5',
  webmanifest: 'application/manifest+json',
  manifest: 'text/cache-manifest',
  appcache: 'text/cache-manifest',
  ics: 'text/calendar',
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  jsonld: 'application/ld+json',
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
  obj: 'model/obj',
  mtl: 'model/mtl',
  stl: 'model/stl',
  ktx: 'image/ktx',
  ktx2: 'image/ktx2',
  epub: 'application/epub+zip',
  doc: 'application/msword',
  rtf: 'application/rtf',
  jar: 'application/java-archive',
  vtt: 'text/vtt',
  log: 'text/plain',
  ini: 'text/plain',
  conf: 'text/plain',
  asc: 'application/pgp-signature',
  sig: 'application/pgp-signature',
  bin: 'application/octet-stream',
  exe: 'application/octet-stream',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * The content type of a file name: the table's entry for the text after the last `.` (lower
 * case), or for the whole name when it has no `.` (as `mime` reads a bare name), else
 * `application/octet-stream`.
 */
export function contentTypeFor(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1).toLowerCase();
  const ext = base.slice(base.lastIndexOf('.') + 1);
  return Object.prototype.hasOwnProperty.call(CONTENT_TYPES, ext) ? CONTENT_TYPES[ext]! : DEFAULT_CONTENT_TYPE;
}
