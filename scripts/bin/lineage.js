#!/usr/bin/env node
// The `lineage` command line (compiled into ../dist).
import('../dist/cli/main.js')
  .then(({ main }) => main())
  .then((code) => process.exit(code))
  .catch((error) => {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
