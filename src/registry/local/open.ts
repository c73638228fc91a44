// openLocalImage: one entry point for every `--from` form.
import { stat } from 'node:fs/promises';
import { openArchive } from './archive.js';
import { localBlob } from './blob.js';
import { readDaemonImage } from './docker-daemon.js';
import { readDockerArchive } from './docker-archive.js';
import { directoryFiles, type SourceFiles } from './files.js';
import { LocalImageError, type LocalImage, type LocalSourceSpec } from './image.js';
import { readOciLayout, type ManifestTree } from './oci-layout.js';
import { makeScratch, type Scratch } from './scratch.js';

export interface OpenLocalImageOptions {
  /** Environment for DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG… (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Docker's configuration directory (default $DOCKER_CONFIG or ~/.docker), for the current context. */
  dockerConfigDir?: string;
  /** Where scratch files go (a decompressed archive, a daemon export); default the system's temp directory. */
  tmpDir?: string;
}

async function openDirectory(spec: LocalSourceSpec): Promise<{ tree: ManifestTree; files: SourceFiles }> {
  const info = await stat(spec.location).catch(() => undefined);
  if (info === undefined) throw new LocalImageError(`${spec.input}: there is no directory ${spec.location}`, { hint: 'check the path; an OCI layout is a directory with oci-layout, index.json and blobs/' });
  if (!info.isDirectory()) {
    throw new LocalImageError(`${spec.input}: ${spec.location} is a file, not a directory`, { hint: `for an archive use oci-archive:${spec.location} or docker-archive:${spec.location}` });
  }
  const files = directoryFiles(spec.location);
  return { tree: await readOciLayout(files, spec.ref, spec.input), files };
}

/** Opens a local image, checking that its manifests and blobs are all there. Throws LocalImageError. */
export async function openLocalImage(spec: LocalSourceSpec, options: OpenLocalImageOptions = {}): Promise<LocalImage> {
  let scratch: Scratch | undefined;
  const getScratch = async () => (scratch ??= await makeScratch(options.tmpDir));
  const close = async () => scratch?.remove();
  try {
    let opened: { tree: ManifestTree; files: SourceFiles };
    switch (spec.kind) {
      case 'oci':
        opened = await openDirectory(spec);
        break;
      case 'oci-archive': {
        const archive = await openArchive(spec.location, spec.input, getScratch);
        opened = { tree: await readOciLayout(archive.files, spec.ref, spec.input), files: archive.files };
        break;
      }
      case 'docker-archive': {
        const archive = await openArchive(spec.location, spec.input, getScratch);
        opened = { tree: await readDockerArchive(archive, spec.ref, spec.input), files: archive.files };
        break;
      }
      case 'docker-daemon':
        opened = await readDaemonImage(spec.location, spec.input, options, getScratch);
        break;
    }
    const { tree, files } = opened;
    return {
      source: spec.input,
      root: tree.root,
      children: tree.children,
      blobs: tree.blobs.map((b) => localBlob(files, b, spec.input)),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
