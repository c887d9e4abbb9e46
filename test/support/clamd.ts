import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** The EICAR anti-virus test file, assembled so that this source file is not itself one. */
export const EICAR = Buffer.from(
  `X5O!P%@AP[4\\PZX54(P^)7CC)7}$${'EICAR'}-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`,
  'latin1',
);

export interface Clamd {
  /** clamd's Unix socket. */
  readonly socket: string;
  readonly pid: number;
  /** Kills clamd (SIGKILL) and waits until it is gone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/clamd', '/usr/bin/clamd'];

function clamdBinary(): string | undefined {
  return CANDIDATES.find((path) => spawnSync(path, ['--version']).status === 0);
}

/**
 * Why clamd tests cannot run here, or undefined when they can. Locally a missing clamd
 * skips them (loudly); under CI=true it is a failure: install `clamav-daemon`
 * (scripts/install-services.sh).
 */
export function clamdMissing(): string | undefined {
  if (clamdBinary() !== undefined) return undefined;
  const message = 'clamd is not installed (apt-get install clamav-daemon, or scripts/install-services.sh)';
  if (process.env.CI === 'true') throw new Error(`${message}: required under CI=true`);
  process.stderr.write(`\n!!! SKIPPING clamd tests: ${message}\n\n`);
  return message;
}

/**
 * Starts Debian's clamd in a temporary directory, on a Unix socket, with a signature
 * database of one line written here (EICAR): no download, no system configuration.
 */
export async function startClamd(): Promise<Clamd> {
  const binary = clamdBinary();
  if (binary === undefined) throw new Error('clamd is not installed');
  const dir = mkdtempSync('/tmp/portcullis-clamd-');
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db', 'local.ndb'), `Local.EICAR.Test:0:*:${EICAR.toString('hex')}\n`);
  const socket = join(dir, 'clamd.sock');
  writeFileSync(
    join(dir, 'clamd.conf'),
    [
      `DatabaseDirectory ${join(dir, 'db')}`,
      `LocalSocket ${socket}`,
      'Foreground yes',
      `LogFile ${join(dir, 'clamd.log')}`,
      'StreamMaxLength 25M',
      `PidFile ${join(dir, 'clamd.pid')}`,
      '',
    ].join('\n'),
  );
  // clamd prints its banner to stdout: keep it in a file, never in a pipe.
  const out = openSync(join(dir, 'clamd.out'), 'w');
  const child: ChildProcess = spawn(binary, [`--config-file=${join(dir, 'clamd.conf')}`], {
    stdio: ['ignore', out, out],
  });
  const exited = once(child, 'exit');
  await waitForPong(socket, child);
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return {
    socket,
    pid: child.pid!,
    kill,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPong(socket: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`clamd exited with ${child.exitCode}`);
    if (await ping(socket)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('clamd did not answer PING within 20 s');
}

function ping(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect({ path });
    let reply = '';
    conn.on('data', (d: Buffer) => {
      reply += d.toString();
    });
    conn.on('error', () => resolve(false));
    conn.on('close', () => resolve(reply.startsWith('PONG')));
    conn.write('zPING\0');
  });
}
