// The Dockerfiles an impact preview checks (`--dockerfile FILE`, repeatable, with `--build-arg`):
// read and parsed once, before any server is contacted, so a bad file changes nothing.
import { readUserText } from '../config/user-files.js';
import type { DockerfileInput } from './impact.js';
import { DockerfileError, parseDockerfile } from './verify/dockerfile.js';

/** Far beyond any real Dockerfile (as `verify --dockerfile`). */
const MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024;

export async function readDockerfiles(files: readonly string[], buildArgs: ReadonlyMap<string, string> = new Map()): Promise<DockerfileInput[]> {
  const out: DockerfileInput[] = [];
  for (const file of files) {
    const text = await readUserText(file, 'Dockerfile', { maxBytes: MAX_DOCKERFILE_BYTES });
    try {
      out.push({ file, froms: parseDockerfile(text, buildArgs).froms });
    } catch (e) {
      if (e instanceof DockerfileError) throw new DockerfileError(e.line, e.message.replace(/^line \d+: /, ''), file);
      throw e;
    }
  }
  return out;
}
