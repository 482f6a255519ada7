/**
 * Child processes the bench starts: every one is registered here so that a normal end, an error
 * or Ctrl-C stops all of them. Also reads a process's CPU time and resident memory from /proc,
 * which is how the bench attributes cost to the gateway, the app and Kannel.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';

const live = new Set<ChildProcess>();

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Everything the process wrote, capped, for error messages. */
  output(): string;
  /**
   * Resolves with the first output line that matches, rejects on exit or after `timeoutMs`.
   * Lines printed before the call count too, unless `fresh` is set.
   */
  waitForLine(pattern: RegExp, timeoutMs: number, fresh?: boolean): Promise<RegExpMatchArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_CAP = 64 * 1024;

export function startChild(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (proc.pid === undefined) throw new Error(`could not start ${command}`);
  live.add(proc);
  let text = '';
  let exited = proc.exitCode !== null || proc.signalCode !== null;
  const listeners = new Set<(line: string) => void>();
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const s = chunk.toString('utf8');
    if (text.length < OUTPUT_CAP) text += s.slice(0, OUTPUT_CAP - text.length);
    if (listeners.size === 0) return;
    partial += s;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const l of [...listeners]) l(line);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exitedPromise = once(proc, 'exit').then(() => {
    exited = true;
    live.delete(proc);
  });

  return {
    proc,
    pid: proc.pid,
    output: () => text,
    waitForLine(pattern, timeoutMs, fresh = false) {
      return new Promise((resolve, reject) => {
        const done = (): void => {
          listeners.delete(onLine);
          clearTimeout(timer);
          proc.off('exit', onExit);
        };
        const onLine = (line: string): void => {
          const m = line.match(pattern);
          if (m) {
            done();
            resolve(m);
          }
        };
        const onExit = (): void => {
          done();
          reject(new Error(`${command} exited before printing ${pattern}:\n${text.slice(-2000)}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${command} did not print ${pattern} within ${timeoutMs} ms:\n${text.slice(-2000)}`));
        }, timeoutMs);
        listeners.add(onLine);
        proc.once('exit', onExit);
        // Lines printed before anyone waited are still in `text`.
        for (const line of fresh ? [] : text.split('\n')) {
          const m = line.match(pattern);
          if (m) {
            done();
            resolve(m);
            return;
          }
        }
      });
    },
    async stop(graceMs = 5000) {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) proc.kill('SIGKILL');
      }, graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

/** Last resort on exit paths: no process the bench started may outlive it. */
export function killAllChildren(): void {
  for (const proc of live) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export function liveChildren(): number {
  return live.size;
}

const cleanups = new Set<() => void>();

/** A synchronous clean-up (a temporary directory) that must also run when the bench is interrupted. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

let hooked = false;
/** Stop every child on Ctrl-C, SIGTERM or a crash of the bench itself. */
export function installExitHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllChildren();
      for (const cleanup of cleanups) {
        try {
          cleanup();
        } catch {
          // best effort: the process is going away
        }
      }
      process.exit(130);
    });
  }
}

/** User + system CPU time of a process, in milliseconds (Linux /proc; 0 where unavailable). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Resident set size of a process in bytes (VmRSS), or 0 where /proc is not available. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m?.[1] ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** USER_HZ is 100 on every Linux this runs on; /proc reports CPU time in these ticks. */
const CLOCK_TICKS = 100;
