// Lambda@Edge viewer-request entry point (handler: index.handler).
import { createRuntimeHandler } from './runtime.js';
import { createSecretsClient } from './secrets-client.js';

export const handler = createRuntimeHandler(createSecretsClient);
