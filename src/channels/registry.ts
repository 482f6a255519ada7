/** The channels Parley can run, by name. SMPP joins this list next. */
import type { Channel } from './channel.js';
import { SimulatorChannel } from './simulator/channel.js';

export const CHANNELS: Readonly<Record<string, () => Channel>> = {
  simulator: () => new SimulatorChannel(),
};
