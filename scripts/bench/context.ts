// What every target needs from the run: the options, the environment, the signed delivery.
import type { BenchEnvironment } from './environment.js';
import type { SignedDelivery } from './load.js';
import type { BenchOptions } from './options.js';

export interface BenchContext {
  options: BenchOptions;
  environment: BenchEnvironment;
  /** The webhook secret every server under test verifies with. */
  secret: string;
  /** The ~7 KB pull_request "opened" delivery, signed, that the HTTP targets receive over and over. */
  delivery: SignedDelivery;
}

/** Progress lines align the targets' labels to this width. */
export const LABEL_WIDTH = 46;

/** A line of progress, without a newline, so the step's outcome can follow on the same line. */
export function progress(text: string): void {
  process.stdout.write(text);
}
