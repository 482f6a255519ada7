/** Every `parley` command, in the order `parley --help` lists them. */
import type { Command } from '../usage.js';
import { serve } from './serve.js';
import { dev } from './dev.js';
import { send } from './send.js';
import { db } from './db.js';

export const COMMANDS: Readonly<Record<string, Command>> = { serve, dev, send, db };
