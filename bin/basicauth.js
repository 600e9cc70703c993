#!/usr/bin/env node
// Entry point: runs the compiled CLI and sets the process exit code (the only place that does).
import { fileURLToPath } from 'node:url';

// A reader that stops early (`basicauth build | head -1`) closes stdout: end quietly, as a
// Unix tool killed by SIGPIPE does, instead of crashing on the unhandled EPIPE.
process.stdout.on('error', (error) => {
  if (error?.code === 'EPIPE') process.exit(0);
  throw error;
});
process.stderr.on('error', (error) => {
  if (error?.code !== 'EPIPE') throw error; // nowhere left to say anything
});

let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    const root = fileURLToPath(new URL('..', import.meta.url));
    process.stderr.write(
      `error: basicauth is not built\n  fix: run \`npm install\` (or \`npm run build\`) in ${root}\n`,
    );
    process.exitCode = 1; // the user's to fix, not a bug
  } else {
    throw error;
  }
}
if (cli) process.exitCode = await cli.run(process.argv.slice(2));
