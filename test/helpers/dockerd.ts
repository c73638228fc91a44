/**
 * A private docker daemon for tests of the Engine API reader: Debian's `dockerd` (package docker.io)
 * on a unix socket in a scratch directory, with its own data and exec roots, the vfs storage driver
 * and no networking set-up (no iptables, no bridge), so it needs no kernel features beyond a plain
 * container. It only stores images (`docker load`, `docker save`); it never runs one.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { findBinary, makeScratchDir, removeScratchDir, requireBinary, runCommand, startPeerProcess, type RunResult } from './proc.js';

export interface Dockerd {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  socketPath: string;
  /** The docker CLI (the first on PATH) against this daemon. */
  docker(args: string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

export async function startDockerd(): Promise<Dockerd> {
  // Debian installs it in /usr/sbin, which a non-root PATH may lack.
  const dockerd = findBinary('dockerd') ?? (existsSync('/usr/sbin/dockerd') ? '/usr/sbin/dockerd' : requireBinary('dockerd'));
  const docker = requireBinary('docker');
  const dir = await makeScratchDir('dockerd');
  const socketPath = path.join(dir, 'docker.sock');
  const config = path.join(dir, 'daemon.json');
  await writeFile(config, '{}\n');
  const peer = startPeerProcess('dockerd', dockerd, [
    `--config-file=${config}`,
    `--data-root=${path.join(dir, 'data')}`,
    `--exec-root=${path.join(dir, 'exec')}`,
    `--pidfile=${path.join(dir, 'dockerd.pid')}`,
    `--host=unix://${socketPath}`,
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip-masq=false',
    '--bridge=none',
  ]);
  const deadline = Date.now() + 60_000;
  while (!(await ping(socketPath))) {
    if (peer.hasExited() || Date.now() > deadline) {
      await peer.stop();
      throw new Error(`dockerd did not start:\n${peer.logs().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const host = `unix://${socketPath}`;
  return {
    host,
    socketPath,
    docker: (args) => runCommand(docker, ['--host', host, ...args], { env: { DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined } }),
    async stop() {
      await peer.stop();
      await removeScratchDir(dir);
    },
  };
}
