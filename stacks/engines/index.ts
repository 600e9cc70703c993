// The edge engines, by the name edge.engine takes: each one's stack side.
// Adding an engine: its handler folder, stacks/engines/<name>.ts registered
// here, cli/engines/<name>.ts registered in cli/engines/index.ts.

import { cloudFrontFunctionStack } from './cloudfront-function.js';
import { lambdaEdgeStack } from './lambda-edge.js';
import type { StackEngine } from './types.js';

export const STACK_ENGINES = {
  'lambda-edge': lambdaEdgeStack,
  'cloudfront-function': cloudFrontFunctionStack,
} satisfies Record<string, StackEngine>;

export type EdgeEngineName = keyof typeof STACK_ENGINES;
export const EDGE_ENGINES = Object.keys(STACK_ENGINES) as [EdgeEngineName, ...EdgeEngineName[]];
export const DEFAULT_ENGINE: EdgeEngineName = 'lambda-edge';

/** `--engine`'s help: each name and what it is. */
export const engineChoices = (): string =>
  EDGE_ENGINES.map((name) => `${name} (${STACK_ENGINES[name].summary})`).join(', or ');
