/**
 * Conversation state kept in memory while a conversation is active: its row and its cookie jar.
 * Jars are loaded once and written back only when they change (performance notes, lesson 2);
 * the cache is bounded, and an evicted conversation is simply reloaded from the store.
 */
import { ConversationJar } from '../cookies/jar.js';
import type { ConversationKey, ConversationRecord } from '../stores/records.js';
import { conversationId, conversationRecord } from '../stores/records.js';
import type { Store } from '../stores/store.js';

export interface ConversationState {
  record: ConversationRecord;
  jar: ConversationJar;
}

export class ConversationCache {
  private readonly entries = new Map<string, ConversationState>();

  constructor(private readonly store: Store, private readonly maxEntries = 20_000) {}

  /**
   * The conversation as it stands for a message at time `at`: if it has been quiet for the whole
   * session TTL, its jar is forgotten (sliding expiry, Parley's cookie-lifetime decision).
   */
  async open(key: ConversationKey, at: number, ttlMs: number): Promise<ConversationState> {
    const id = conversationId(key);
    let state = this.entries.get(id);
    if (state) {
      this.entries.delete(id); // re-insert: Map order is the LRU order
    } else {
      const record = (await this.store.conversations.get(id)) ?? conversationRecord({ id, ...key }, at, null);
      state = { record, jar: ConversationJar.load(record.cookies) };
    }
    if (state.record.lastActivity + ttlMs <= at) {
      state = { record: conversationRecord(state.record, state.record.lastActivity, null), jar: ConversationJar.empty() };
    }
    state.record = conversationRecord(state.record, Math.max(state.record.lastActivity, at), state.record.cookies);
    this.remember(id, state);
    return state;
  }

  /** After a commit: keep what was stored. */
  committed(record: ConversationRecord, jar: ConversationJar): void {
    this.remember(record.id, { record, jar });
  }

  /** Drops a conversation (its jar was forgotten or expired in the store). */
  invalidate(id?: string): void {
    if (id === undefined) this.entries.clear();
    else this.entries.delete(id);
  }

  private remember(id: string, state: ConversationState): void {
    this.entries.set(id, state);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
