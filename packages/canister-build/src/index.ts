export { buildCanister, buildToolDirs, findDfxRoot, readCanisterEntry, type BuildResult, type CanisterEntry } from './build.js';
export { listCustomSections, setCustomSection } from './custom-section.js';
export { relativizeMainJsPath } from './reproducible.js';
export { gzipModule, isGzip, rawModule, releaseModule, RELEASE_SECTION } from './release.js';
export {
  BUILD_COMMAND, BUILD_SECTION, buildProvenance, decodeProvenance, encodeProvenance, isDirty, localToolchain, toolchainDifferences,
  type BuildProvenance, type Toolchain,
} from './provenance.js';
