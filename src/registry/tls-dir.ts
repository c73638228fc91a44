// docker's per-server TLS directory, `$DOCKER_CONFIG/tls/<host[:port]>/` (docker/docker
// registry.ReadCertsDirectory): every `*.crt` is a CA; `X.cert` + `X.key` is a client
// certificate for mutual TLS; an orphan `.cert` or `.key` is an error, as in docker.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryError } from './errors.js';
import type { TlsMaterial } from './http.js';

export interface TlsDirectoryContents extends TlsMaterial {
  caPem: string[];
  /** Files read, for `info` and debug output. */
  files: string[];
}

/** `$DOCKER_CONFIG/tls/<host[:port]>`: where docker, the Notary client and the registry client look. */
export function dockerTlsDirectory(dockerConfigDir: string, host: string): string {
  return join(dockerConfigDir, 'tls', host);
}

/**
 * Reads one TLS directory. A missing directory is empty. With several client pairs the first by
 * file name is used (Node takes one certificate per connection; docker offers all and Go picks).
 * Synchronously: a few small files, read before the first request of a command can go out; through
 * the thread pool each file cost four round trips (open, stat, read, close) of waiting.
 */
export async function readDockerTlsDirectory(directory: string): Promise<TlsDirectoryContents> {
  let names: string[];
  try {
    names = readdirSync(directory).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { caPem: [], files: [] };
    throw new RegistryError(`cannot read TLS directory ${directory}: ${(e as Error).message}`);
  }
  const present = new Set(names);
  const result: TlsDirectoryContents = { caPem: [], files: [] };
  const read = (name: string): string => {
    const file = join(directory, name);
    result.files.push(file);
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      throw new RegistryError(`cannot read ${file}: ${(e as Error).message}`);
    }
  };
  for (const name of names) {
    if (name.endsWith('.crt')) {
      result.caPem.push(read(name));
    } else if (name.endsWith('.cert')) {
      const keyName = `${name.slice(0, -'.cert'.length)}.key`;
      if (!present.has(keyName)) {
        throw new RegistryError(
          `missing key ${keyName} for client certificate ${name} in ${directory}. CA certificates must use the extension .crt`,
        );
      }
      if (result.clientCert === undefined) {
        result.clientCert = read(name);
        result.clientKey = read(keyName);
      }
    } else if (name.endsWith('.key')) {
      const certName = `${name.slice(0, -'.key'.length)}.cert`;
      if (!present.has(certName)) {
        throw new RegistryError(`missing client certificate ${certName} for key ${name} in ${directory}`);
      }
    }
  }
  return result;
}
