// The edge handler on the AWS SDK v3 client instead of aws4fetch. Not
// deployed: built by bench/edge-cold-start.ts and the bundle tests to compare.
import { createRuntimeHandler } from '../../handlers/edge-auth/runtime.js';
import { createSdkSecretsClient } from './secrets-client-sdk.js';

export const handler = createRuntimeHandler(createSdkSecretsClient);
