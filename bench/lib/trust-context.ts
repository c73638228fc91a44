// The environment and trust context a benchmark publishes its repositories with: docker's layout under
// `dockerConfig` (trust/ beside it), the test passphrases, no prompts.
import path from 'node:path';
import { Settings } from '../../src/config/settings.js';
import { EnvPassphraseSource, KeyStore } from '../../src/keys/index.js';
import type { TrustContext } from '../../src/trust/context.js';
import { makeScratchDir, TEST_PASSPHRASES } from '../../test/helpers/peers.js';

/** The variables docker and trust-tui read: `base` plus the server and the passphrases. */
export function benchEnv(base: NodeJS.ProcessEnv, dockerConfig: string, serverUrl: string): NodeJS.ProcessEnv {
  return {
    ...base,
    DOCKER_CONFIG: dockerConfig,
    DOCKER_CONTENT_TRUST_SERVER: serverUrl,
    DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE: TEST_PASSPHRASES.root,
    DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE: TEST_PASSPHRASES.repository,
  };
}

/** A context over `dockerConfig`/trust with settings in a scratch directory of its own. */
export async function benchTrustContext(env: NodeJS.ProcessEnv, dockerConfig: string): Promise<TrustContext> {
  const trustDir = path.join(dockerConfig, 'trust');
  return {
    trustDir,
    keys: new KeyStore(trustDir),
    settings: new Settings(await makeScratchDir('bench-settings')),
    passphrases: new EnvPassphraseSource(env),
    confirm: async () => false,
    warn: () => undefined,
    debug: () => undefined,
    env,
  };
}
