// The edge handler on aws4fetch (fetch + SubtleCrypto). Not deployed: built by
// bench/edge-cold-start.ts and the bundle tests to compare.
import { createRuntimeHandler } from '../../handlers/edge-auth/runtime.js';
import { createAws4FetchSecretsClient } from './secrets-client-fetch.js';

export const handler = createRuntimeHandler(createAws4FetchSecretsClient);
