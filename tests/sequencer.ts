/**
 * Orders spec files for two workers. The CLI specs drive networks of their own (`lineage start`
 * processes, rebuilds from source; the console's browser story), so they load a core without touching the shared PocketIC
 * server; starting the longest of them first lets the server-bound specs fill the other core.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first: measured with `npx vitest run --reporter=json` (cli.dapp ≈ 40% of the run). */
const FIRST = ['cli.dapp.spec.ts', 'console.e2e.spec.ts', 'cli.network.spec.ts', 'cli.demo.spec.ts', 'cli.icp.spec.ts'];

function rank(file: string): number {
  const index = FIRST.findIndex((name) => file.endsWith(`/${name}`));
  return index === -1 ? FIRST.length : index;
}

export default class CliFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rest = await super.sort(files.filter((spec) => rank(spec.moduleId) === FIRST.length));
    const first = files.filter((spec) => rank(spec.moduleId) < FIRST.length)
      .sort((a, b) => rank(a.moduleId) - rank(b.moduleId));
    return [...first, ...rest];
  }
}
