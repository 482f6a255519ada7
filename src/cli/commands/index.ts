/**
 * Every `parley` command, in the order `parley --help` lists them. Each is loaded only when run,
 * so a client command such as `parley send` does not pay for loading the server and its database.
 */
import type { Command } from '../usage.js';

export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  serve: { summary: 'run the gateway (SQLite by default)', load: async () => (await import('./serve.js')).serve },
  dev: { summary: 'development mode: gateway + example app + demo number (npm start)', load: async () => (await import('./dev.js')).dev },
  send: { summary: 'text a Parley number from a simulated handset and print the replies', load: async () => (await import('./send.js')).send },
  thread: { summary: "print a simulated handset's conversation", load: async () => (await import('./thread.js')).thread },
  numbers: { summary: 'Parley numbers and their webhooks: add | list | update | remove', load: async () => (await import('./numbers.js')).numbers },
  tail: { summary: 'follow messages, webhook exchanges and errors live (Ctrl-C stops)', load: async () => (await import('./tail.js')).tail },
  channels: { summary: 'the channels (simulator, SMPP connections): state, since when, why down, messages waiting', load: async () => (await import('./channels.js')).channels },
  nodes: { summary: 'the nodes of a gateway on several (PostgreSQL): alive or lease expired, host, pid, heartbeat', load: async () => (await import('./nodes.js')).nodes },
  clock: { summary: "show or advance Parley's clock (advance: development mode only)", load: async () => (await import('./clock.js')).clock },
  config: { summary: 'check a configuration as parley serve reads it, before a restart: config check [serve options]', load: async () => (await import('./config.js')).config },
  db: { summary: 'database schema and backups: migrate | status | backup FILE | restore FILE', load: async () => (await import('./db.js')).db },
};
