// The keystore: key files interchangeable with notary 0.7 and `docker trust`, passphrase sources,
// key generation.
export {
  KeyConflictError,
  KeyFileError,
  KeyFilePassphraseError,
  KeyNotFoundError,
  KeyStoreError,
  PassphraseAttemptsExceededError,
  PassphraseInputEndedError,
  PassphraseUnavailableError,
  PromptCancelledError,
  WrongPassphraseError,
} from './errors.js';
export { decodePem, encodePem, type PemBlock } from './pem.js';
export {
  encodeKeyFile,
  keyFileHeaders,
  openKeyFile,
  parseKeyFile,
  PRIVATE_KEY_BLOCK_TYPES,
  ROLES_WITH_GUN,
  type KeyFile,
  type KeyLabels,
} from './keyfile.js';
export { KeyStore, MAX_UNLOCK_ATTEMPTS, unlockKeyFile, type StoredKey, type StoreOptions } from './keystore.js';
export {
  EnvironmentThenPromptSource,
  EnvPassphraseSource,
  FirstAvailablePassphraseSource,
  passphraseVariables,
  ScriptedPassphraseSource,
  type PassphrasePurpose,
  type PassphraseRequest,
  type PassphraseSource,
} from './passphrase.js';
export {
  defaultPassphraseSource,
  HiddenLineReader,
  NEW_PASSPHRASE_ATTEMPTS,
  promptAlias,
  TerminalPassphraseSource,
  type TerminalInput,
  type TerminalOptions,
  type TerminalOutput,
} from './terminal.js';
export { DEFAULT_RSA_BITS, generatePrivateKey, type GeneratedKeyAlgorithm } from './generate.js';
export { writeFileAtomic } from './atomic-write.js';
