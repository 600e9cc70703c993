// The edge engines, by the name edge.engine takes: each one's CLI side. The
// names are the stack registry's (stacks/engines/index.ts); the compiler
// holds both registries to the same list.

import type { EdgeEngineName } from '../../stacks/engines/index.js';
import { cloudFrontFunction } from './cloudfront-function.js';
import { lambdaEdge } from './lambda-edge.js';
import type { EdgeEngine } from './types.js';

export const ENGINES: Record<EdgeEngineName, EdgeEngine> = {
  'lambda-edge': lambdaEdge,
  'cloudfront-function': cloudFrontFunction,
};

export { DEFAULT_ENGINE, EDGE_ENGINES, type EdgeEngineName } from '../../stacks/engines/index.js';
