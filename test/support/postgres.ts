import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

/** A real PostgreSQL server of Debian's `postgresql` package, on a free loopback port. */
export interface PostgresServer {
  readonly port: number;
  /** URL of a fresh database created for the caller. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (pg_ctl fast shutdown); `start` brings it back on the same port and data. */
  stop(): void;
  start(): void;
  /** Stops the server and removes its data. */
  remove(): void;
}

function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL as the `postgres` user (initdb and pg_ctl refuse root) in a
 * `mktemp -d /tmp/…` directory every parent of which that user can traverse. Returns
 * undefined, after a loud message, when PostgreSQL is not installed; under `CI=true` a
 * missing server is a failure.
 */
export async function startPostgres(): Promise<PostgresServer | undefined> {
  const bin = postgresBin();
  const runuser = spawnSync('which', ['runuser']).status === 0;
  if (bin === undefined || !runuser || process.getuid?.() !== 0) {
    const why = bin === undefined ? 'PostgreSQL is not installed' : 'runuser as root is needed to start it';
    if (process.env.CI === 'true') throw new Error(`${why}: run scripts/install-services.sh`);
    console.warn(`\n!!! SKIPPING PostgreSQL tests: ${why} (scripts/install-services.sh installs it) !!!\n`);
    return undefined;
  }
  const dir = mkdtempSync('/tmp/portcullis-pg-');
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  mkdirSync(join(dir, 'run'));
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const asPostgres = (command: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], { stdio: 'pipe' });
  asPostgres('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  const port = await freePort();
  const options = `-p ${port} -k ${join(dir, 'run')} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () =>
    asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', options, 'start']);
  const stop = () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  let running = true;
  return {
    port,
    async createDatabase(name) {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop() {
      stop();
      running = false;
    },
    start() {
      start();
      running = true;
    },
    remove() {
      try {
        if (running) stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
