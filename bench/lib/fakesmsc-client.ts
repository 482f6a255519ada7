/**
 * A paced client of bearerbox's `fake` SMSC, for Kannel's steady run.
 *
 * Kannel's own fakesmsc paces with `-i`, but it waits with poll(2) in whole milliseconds: below a
 * millisecond between messages it spins, taking a core from the boxes being measured. This client
 * speaks the same line protocol (`sender receiver text message`, one line each way per message)
 * and paces as the bench's steady run paces Parley: a timer each millisecond sends every message
 * whose time has come, in one write.
 */
import { connect } from 'node:net';
import { dueBy } from './load.js';

export interface PacedRun {
  replies: number;
  /** From the first message sent to the last reply read (or to the time bound). */
  elapsedMs: number;
}

export async function sendPaced(
  port: number, line: (n: number) => string, rate: number, count: number, maxMs: number,
): Promise<PacedRun> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let replies = 0;
  let sent = 0;
  let lastReply = 0;
  const t0 = performance.now();
  try {
    return await new Promise<PacedRun>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        clearTimeout(bound);
        resolve({ replies, elapsedMs: Math.round((replies > 0 ? lastReply : performance.now()) - t0) });
      };
      socket.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) replies++;
        lastReply = performance.now();
        if (replies >= count) finish();
      });
      socket.once('error', reject);
      socket.once('close', finish);
      const bound = setTimeout(finish, maxMs);
      let timer: NodeJS.Timeout | undefined;
      const tick = (): void => {
        const due = dueBy(performance.now() - t0, rate, count);
        let batch = '';
        while (sent < due) batch += line(sent++);
        if (batch) socket.write(batch);
        if (sent < count) timer = setTimeout(tick, 1);
      };
      tick();
    });
  } finally {
    socket.destroy();
  }
}
