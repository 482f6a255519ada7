/**
 * `parley serve` on SIGHUP: reads the configuration again, exactly as at start (the same flags,
 * environment and file), and runs its `channels:` without a restart. A renewed client certificate,
 * a new carrier or a changed window takes effect at once; channels whose configuration did not
 * change keep their binds. So does `log-level`. The other settings (port, database, …) need a
 * restart, and a reload that changed one says so. A configuration with a mistake changes nothing:
 * the error names the key, and Parley runs on as it was.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, loadServeConfig, SERVE_SETTINGS, type ServeConfig } from '../../config/schema.js';
import type { RunningParley } from '../../runtime/parley.js';
import type { ChannelChanges } from '../../channels/registry.js';
import type { Logger } from '../../logging/logger.js';
import type { ParleyMetrics } from '../../metrics/metrics.js';

/** What a reload works on: the running Parley's channels and metrics, its logger, and the options it started with. */
export interface Reloading {
  parley: Pick<RunningParley, 'reloadChannels'> & { readonly metrics: Pick<ParleyMetrics, 'recordReload'> };
  logger: Pick<Logger, 'level'>;
  args: readonly string[];
}

/** Reloads on every SIGHUP until the returned function is called; `running` is the configuration read at start. */
export function reloadOnHangup(reloading: Reloading, running: ServeConfig): () => void {
  let current = running;
  const onHangup = (): void => {
    void reload(reloading, current).then((next) => { if (next) current = next; });
  };
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}

/** One reload: the configuration now in force, or null when it was refused. */
export async function reload(reloading: Reloading, running: ServeConfig): Promise<ServeConfig | null> {
  const next = await reloaded(reloading, running);
  reloading.parley.metrics.recordReload(next !== null);
  return next;
}

async function reloaded({ parley, logger, args }: Reloading, running: ServeConfig): Promise<ServeConfig | null> {
  let next: ServeConfig;
  try {
    next = loadServeConfig(args, process.env);
  } catch (error) {
    // A mistake in the file is a ConfigError naming the key; anything else (a file that vanished
    // between checks) is reported the same way, never left to end the process.
    const reason = error instanceof ConfigError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(`parley: SIGHUP: the configuration was not reloaded, nothing changed: ${reason}`);
    return null;
  }
  const needRestart = SERVE_SETTINGS.filter((s) => s.key !== 'logLevel' && !isDeepStrictEqual(running[s.key], next[s.key])).map((s) => s.flag);
  if (needRestart.length > 0) console.error(`parley: SIGHUP: ${needRestart.join(', ')} changed; that takes a restart, until then Parley runs as it started`);
  try {
    const changes = await parley.reloadChannels(next.channels);
    logger.level = next.logLevel;
    const level = next.logLevel === running.logLevel ? '' : `; log level ${next.logLevel}`;
    console.log(`SIGHUP: configuration reloaded; ${describe(changes)}${level}`);
  } catch (error) {
    console.error(`parley: SIGHUP: the channels were not reloaded: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
  // The settings that take a restart stay as they run, so the next reload compares against those.
  return { ...running, logLevel: next.logLevel, channels: next.channels };
}

function describe(changes: ChannelChanges): string {
  const parts = (['started', 'adjusted', 'restarted', 'stopped', 'unchanged'] as const)
    .filter((what) => changes[what].length > 0)
    .map((what) => `${what}: ${changes[what].join(', ')}`);
  return parts.length > 0 ? `channels ${parts.join('; ')}` : 'no channels';
}
