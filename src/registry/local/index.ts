// Local images (issue 12): `--from` parsing and opening of OCI layouts, OCI and docker-save
// archives and the docker daemon's store. docs/local-images.md describes the forms and checks.
export { LocalImageError, type LocalBlob, type LocalImage, type LocalManifest, type LocalSourceKind, type LocalSourceSpec } from './image.js';
export { LOCAL_SOURCE_FORMS, isOciRefName, parseLocalSource } from './source.js';
export { openLocalImage, type OpenLocalImageOptions } from './open.js';
export { findDaemonImage } from './docker-daemon.js';
export { DEFAULT_DOCKER_HOST, dockerEndpoint, type DockerEndpoint, type EndpointOptions } from './docker-endpoint.js';
export { indexTar, resolveTarEntry, TarFormatError, type TarEntry } from './tar-index.js';
export { MEDIA_TYPES } from './oci-layout.js';
