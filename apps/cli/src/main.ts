#!/usr/bin/env node
// hookfleet: the operator CLI. The one place that reads process.env and sets the exit code.
import { ApiError } from './admin-client.js';
import { CommandFailed, createProgram } from './program.js';

const program = createProgram({
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ApiError) {
    process.stderr.write(`error: ${error.code}: ${error.message}${error.status ? ` (HTTP ${error.status})` : ''}\n`);
    if (Array.isArray(error.details)) {
      for (const detail of error.details as Array<{ field?: string; message?: string }>) {
        process.stderr.write(`  ${detail.field ?? ''}: ${detail.message ?? JSON.stringify(detail)}\n`);
      }
    }
  } else if (error instanceof CommandFailed) {
    process.stderr.write(`error: ${error.message}\n`);
  } else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exitCode = 1;
}
