/** Every `parley` command, in the order `parley --help` lists them. */
import type { Command } from '../usage.js';
import { serve } from './serve.js';
import { dev } from './dev.js';
import { send } from './send.js';
import { db } from './db.js';
import { thread } from './thread.js';
import { numbers } from './numbers.js';
import { tail } from './tail.js';
import { clock } from './clock.js';

export const COMMANDS: Readonly<Record<string, Command>> = { serve, dev, send, thread, numbers, tail, clock, db };
