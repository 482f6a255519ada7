/**
 * Versioned schema for the PostgreSQL store (applied by ./migrator.ts). Append a migration; never
 * edit one that has shipped.
 *
 * Version 1 is the SQLite store's nine migrations in one, plus what several nodes need: `nodes`
 * (membership and heartbeats), `conversation_claims` (which node runs a conversation's turns, with
 * a fencing token), an owner `node` on messages (deliveries) and on status callbacks. The claim
 * logic lives in PL/pgSQL functions so that each step is one pipelined statement and each function
 * statement reads a fresh snapshot (READ COMMITTED) after taking its lock.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: the whole gateway, and its nodes */ `
  CREATE TABLE accounts (
    seq bigserial NOT NULL,
    sid text PRIMARY KEY,
    auth_token text NOT NULL,
    friendly_name text NOT NULL,
    status text NOT NULL,
    owner_account_sid text,
    date_created bigint NOT NULL,
    date_updated bigint NOT NULL
  );
  CREATE INDEX accounts_owner ON accounts (owner_account_sid, sid) WHERE owner_account_sid IS NOT NULL;
  CREATE TABLE phone_numbers (
    sid text PRIMARY KEY,
    account_sid text NOT NULL,
    phone_number text NOT NULL UNIQUE,
    friendly_name text NOT NULL,
    sms_url text NOT NULL,
    sms_method text NOT NULL,
    sms_fallback_url text NOT NULL,
    sms_fallback_method text NOT NULL,
    status_callback text NOT NULL,
    status_callback_method text NOT NULL,
    date_created bigint NOT NULL,
    date_updated bigint NOT NULL
  );
  CREATE INDEX phone_numbers_account ON phone_numbers (account_sid, sid);

  -- A conversation's id as the code builds it (records.ts conversationId): account:number:handset.
  CREATE FUNCTION parley_conversation_id(account text, number text, handset text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT account || ':' || number || ':' || handset $$;

  CREATE TABLE messages (
    seq bigserial PRIMARY KEY,
    sid text NOT NULL UNIQUE,
    account_sid text NOT NULL,
    direction text NOT NULL,
    from_number text NOT NULL,
    to_number text NOT NULL,
    body text NOT NULL,
    status text NOT NULL,
    num_segments integer NOT NULL,
    media text,
    error_code integer,
    error_message text,
    messaging_service_sid text,
    status_callback text,
    status_callback_method text NOT NULL,
    inbound_sid text,
    reply_seq integer,
    turn_state text,
    date_created bigint NOT NULL,
    date_updated bigint NOT NULL,
    date_sent bigint,
    send_at bigint,
    valid_until bigint,
    -- Outbound: the node delivering it (the one that put it in a sending state).
    node text,
    -- "queued:ms,sent:ms,...", appended by the UPDATE that changes the status; NULL until the first change.
    status_history text
  );
  CREATE UNIQUE INDEX messages_reply_once ON messages (inbound_sid, reply_seq) WHERE inbound_sid IS NOT NULL;
  CREATE INDEX messages_account ON messages (account_sid, seq);
  CREATE INDEX messages_account_to ON messages (account_sid, to_number, seq);
  CREATE INDEX messages_account_from ON messages (account_sid, from_number, seq);
  CREATE INDEX messages_pending_turns ON messages (seq) INCLUDE (account_sid, to_number, from_number) WHERE turn_state = 'pending';
  CREATE INDEX messages_pending_by_conversation ON messages (parley_conversation_id(account_sid, to_number, from_number), seq)
    WHERE turn_state = 'pending';
  CREATE INDEX messages_undelivered ON messages (seq) WHERE status IN ('accepted', 'queued', 'sending') AND direction <> 'inbound';
  CREATE INDEX messages_scheduled ON messages (send_at) WHERE status = 'scheduled';

  CREATE TABLE conversations (
    id text PRIMARY KEY,
    account_sid text NOT NULL,
    number text NOT NULL,
    handset text NOT NULL,
    last_activity bigint NOT NULL,
    cookies text
  );
  CREATE INDEX conversations_account ON conversations (account_sid, last_activity);
  CREATE INDEX conversations_with_cookies ON conversations (last_activity) WHERE cookies IS NOT NULL;

  CREATE TABLE exchanges (
    sid text PRIMARY KEY,
    account_sid text NOT NULL,
    message_sid text NOT NULL,
    conversation_id text,
    record text NOT NULL
  );
  CREATE INDEX exchanges_message ON exchanges (message_sid, sid);
  CREATE TABLE alerts (
    sid text PRIMARY KEY,
    account_sid text NOT NULL,
    record text NOT NULL
  );
  CREATE INDEX alerts_account ON alerts (account_sid, sid);
  CREATE TABLE api_keys (
    sid text PRIMARY KEY,
    account_sid text NOT NULL,
    friendly_name text NOT NULL,
    secret text NOT NULL,
    date_created bigint NOT NULL,
    date_updated bigint NOT NULL
  );
  CREATE INDEX api_keys_account ON api_keys (account_sid, sid);
  CREATE TABLE opt_outs (
    account_sid text NOT NULL,
    number text NOT NULL,
    handset text NOT NULL,
    date_created bigint NOT NULL,
    PRIMARY KEY (account_sid, number, handset)
  );
  CREATE TABLE messaging_services (
    sid text PRIMARY KEY,
    account_sid text NOT NULL,
    record text NOT NULL
  );
  CREATE INDEX messaging_services_account ON messaging_services (account_sid, sid);
  CREATE TABLE service_numbers (
    service_sid text NOT NULL,
    number_sid text NOT NULL UNIQUE,
    account_sid text NOT NULL,
    date_created bigint NOT NULL,
    PRIMARY KEY (service_sid, number_sid)
  );

  CREATE TABLE status_callbacks (
    id bigserial PRIMARY KEY,
    account_sid text NOT NULL,
    message_sid text NOT NULL,
    conversation_id text,
    url text NOT NULL,
    params text NOT NULL,
    attempts integer NOT NULL,
    created_at bigint NOT NULL,
    next_attempt_at bigint NOT NULL,
    -- The oldest waiting callback of its message: the only one that may be sent.
    head boolean NOT NULL,
    -- The node sending it (claimed by heads()).
    node text
  );
  CREATE INDEX status_callbacks_message ON status_callbacks (message_sid, id);
  CREATE INDEX status_callbacks_due ON status_callbacks (next_attempt_at, id) WHERE head;

  CREATE TABLE carrier_parts (
    message_sid text NOT NULL,
    part_index integer NOT NULL,
    account_sid text NOT NULL,
    channel text NOT NULL,
    total integer NOT NULL,
    smsc_id text NOT NULL,
    receipt_key text NOT NULL,
    state text NOT NULL,
    error_code integer,
    submitted_at bigint NOT NULL,
    done_at bigint,
    PRIMARY KEY (message_sid, part_index)
  );
  CREATE INDEX carrier_parts_smsc_id ON carrier_parts (channel, smsc_id);
  CREATE INDEX carrier_parts_receipt_key ON carrier_parts (channel, receipt_key);
  CREATE TABLE unmatched_receipts (
    id bigserial PRIMARY KEY,
    channel text NOT NULL,
    smsc_id text,
    receipt_key text NOT NULL,
    state text NOT NULL,
    error_code integer,
    received_at bigint NOT NULL
  );
  CREATE INDEX unmatched_receipts_key ON unmatched_receipts (channel, receipt_key);
  CREATE INDEX unmatched_receipts_smsc_id ON unmatched_receipts (channel, smsc_id);
  CREATE INDEX unmatched_receipts_received ON unmatched_receipts (received_at);
  CREATE TABLE inbound_parts (
    channel text NOT NULL,
    group_key text NOT NULL,
    seq integer NOT NULL,
    total integer NOT NULL,
    account_sid text NOT NULL,
    from_number text NOT NULL,
    to_number text NOT NULL,
    payload bytea NOT NULL,
    data_coding integer NOT NULL,
    received_at bigint NOT NULL,
    PRIMARY KEY (channel, group_key, seq)
  );
  CREATE INDEX inbound_parts_received ON inbound_parts (channel, received_at);

  -- Nodes: each parley serve on this database, with its heartbeat (database time) and lease.
  CREATE TABLE nodes (
    id text PRIMARY KEY,
    lease_ms integer NOT NULL,
    heartbeat timestamptz NOT NULL,
    started_at timestamptz NOT NULL,
    pid integer NOT NULL,
    host text NOT NULL
  );
  -- Which node runs a conversation's turns. Small and hot: only node and token change (HOT updates).
  CREATE TABLE conversation_claims (
    id text PRIMARY KEY,
    node text,
    token bigint NOT NULL
  ) WITH (fillfactor = 50);

  CREATE FUNCTION parley_node_alive(p_node text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM nodes n WHERE n.id = p_node AND n.heartbeat + n.lease_ms * interval '1 millisecond' > now())
  $$;

  -- The inbound insert's first step: take the conversation's claim row lock (this orders the inserts
  -- of one conversation: seq order is commit order), and hold the claim if it is free, ours, or a
  -- dead node's. Returns NULLs when another live node holds it.
  CREATE FUNCTION parley_claim(p_id text, p_node text, OUT claim_token bigint, OUT claim_how text) LANGUAGE plpgsql AS $$
  DECLARE
    holder text;
    tok bigint;
  BEGIN
    SELECT c.node, c.token INTO holder, tok FROM conversation_claims c WHERE c.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO conversation_claims (id, node, token) VALUES (p_id, p_node, 1) ON CONFLICT (id) DO NOTHING;
      IF FOUND THEN
        claim_token := 1;
        claim_how := 'acquired';
        RETURN;
      END IF;
      SELECT c.node, c.token INTO holder, tok FROM conversation_claims c WHERE c.id = p_id FOR UPDATE;
    END IF;
    IF holder = p_node THEN
      claim_token := tok;
      claim_how := 'held';
      RETURN;
    END IF;
    IF holder IS NOT NULL AND parley_node_alive(holder) THEN
      RETURN;
    END IF;
    claim_token := tok + 1;
    claim_how := CASE WHEN holder IS NULL AND NOT EXISTS (
      SELECT 1 FROM messages m WHERE parley_conversation_id(m.account_sid, m.to_number, m.from_number) = p_id AND m.turn_state = 'pending'
    ) THEN 'acquired' ELSE 'taken' END;
    UPDATE conversation_claims SET node = p_node, token = claim_token WHERE id = p_id;
  END $$;

  -- A turn's commit: fails the transaction unless this node still holds the conversation under the token.
  CREATE FUNCTION parley_fence(p_id text, p_node text, p_token bigint) RETURNS void LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM 1 FROM conversation_claims c WHERE c.id = p_id AND c.node = p_node AND c.token = p_token FOR SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'conversation % is not held by node % under token %', p_id, p_node, p_token USING ERRCODE = 'PY001';
    END IF;
  END $$;

  -- After a turn: the conversation's pending turns, read after the claim lock (a fresh snapshot, so
  -- an insert that waited for the lock is seen); none left releases the claim in the same transaction.
  CREATE FUNCTION parley_next_turns(p_id text, p_node text, p_token bigint, p_limit integer)
    RETURNS TABLE (message_sid text, message_account text) LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM 1 FROM conversation_claims c WHERE c.id = p_id AND c.node = p_node AND c.token = p_token FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'conversation % is not held by node % under token %', p_id, p_node, p_token USING ERRCODE = 'PY001';
    END IF;
    RETURN QUERY SELECT m.sid, m.account_sid FROM messages m
      WHERE parley_conversation_id(m.account_sid, m.to_number, m.from_number) = p_id AND m.turn_state = 'pending'
      ORDER BY m.seq LIMIT p_limit;
    IF NOT FOUND THEN
      UPDATE conversation_claims SET node = NULL WHERE id = p_id;
    END IF;
  END $$;

  -- The poll: conversations with pending turns that are free, ours, or a dead node's, oldest waiting
  -- turn first; the free and dead ones are taken (new token). Skips rows another transaction locks.
  CREATE FUNCTION parley_claim_conversations(p_node text, p_limit integer)
    RETURNS TABLE (conversation_id text, claim_token bigint, claim_how text) LANGUAGE plpgsql AS $$
  DECLARE
    r record;
  BEGIN
    FOR r IN
      SELECT c.id, c.node, c.token FROM conversation_claims c
      JOIN (SELECT parley_conversation_id(m.account_sid, m.to_number, m.from_number) AS id, min(m.seq) AS first
            FROM messages m WHERE m.turn_state = 'pending' GROUP BY 1) w ON w.id = c.id
      WHERE c.node IS NULL OR c.node = p_node OR NOT parley_node_alive(c.node)
      ORDER BY w.first LIMIT p_limit
      FOR UPDATE OF c SKIP LOCKED
    LOOP
      conversation_id := r.id;
      IF r.node = p_node THEN
        claim_token := r.token;
        claim_how := 'held';
      ELSE
        claim_token := r.token + 1;
        claim_how := 'taken';
        UPDATE conversation_claims SET node = p_node, token = r.token + 1 WHERE id = r.id;
      END IF;
      RETURN NEXT;
    END LOOP;
  END $$;

  -- A status callback joins its message's queue; it is the head when none waits before it. The
  -- advisory lock orders concurrent inserts and finishes of one message's callbacks (any node).
  CREATE FUNCTION parley_enqueue_callback(p_account text, p_message text, p_conversation text, p_url text, p_params text, p_created bigint)
    RETURNS void LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_advisory_xact_lock(1, hashtext(p_message));
    INSERT INTO status_callbacks (account_sid, message_sid, conversation_id, url, params, attempts, created_at, next_attempt_at, head)
    VALUES (p_account, p_message, p_conversation, p_url, p_params, 0, p_created, p_created,
      NOT EXISTS (SELECT 1 FROM status_callbacks WHERE message_sid = p_message));
  END $$;

  CREATE FUNCTION parley_finish_callback(p_id bigint) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    message text;
  BEGIN
    SELECT message_sid INTO message FROM status_callbacks WHERE id = p_id;
    IF NOT FOUND THEN
      RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(1, hashtext(message));
    DELETE FROM status_callbacks WHERE id = p_id;
    IF FOUND THEN
      UPDATE status_callbacks SET head = true
        WHERE id = (SELECT min(id) FROM status_callbacks WHERE message_sid = message) AND NOT head;
    END IF;
  END $$;

  -- Configuration (accounts, numbers, services, opt-outs) changes rarely and is read on every turn:
  -- nodes cache it, and every change bumps this version (a statement trigger, whatever the writer),
  -- which each account read returns and a notification announces (./config-cache.ts).
  CREATE TABLE parley_config (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
  INSERT INTO parley_config (id, version) VALUES (1, 0);
  CREATE FUNCTION parley_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE parley_config SET version = version + 1 WHERE id = 1;
    PERFORM pg_notify('parley_config', '');
    RETURN NULL;
  END $$;
  CREATE TRIGGER accounts_changed AFTER INSERT OR UPDATE OR DELETE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION parley_config_changed();
  CREATE TRIGGER phone_numbers_changed AFTER INSERT OR UPDATE OR DELETE ON phone_numbers FOR EACH STATEMENT EXECUTE FUNCTION parley_config_changed();
  CREATE TRIGGER messaging_services_changed AFTER INSERT OR UPDATE OR DELETE ON messaging_services FOR EACH STATEMENT EXECUTE FUNCTION parley_config_changed();
  CREATE TRIGGER service_numbers_changed AFTER INSERT OR UPDATE OR DELETE ON service_numbers FOR EACH STATEMENT EXECUTE FUNCTION parley_config_changed();
  CREATE TRIGGER opt_outs_changed AFTER INSERT OR UPDATE OR DELETE ON opt_outs FOR EACH STATEMENT EXECUTE FUNCTION parley_config_changed();

  -- A status change (only from p_from when given) and its callback, in one statement. The node that
  -- puts a message in a sending state owns its delivery from then on.
  CREATE FUNCTION parley_set_status(p_sid text, p_status text, p_error_code integer, p_error_message text, p_date_sent bigint,
    p_at bigint, p_from text[], p_node text, p_cb_account text, p_cb_conversation text, p_cb_url text, p_cb_params text,
    p_cb_created bigint) RETURNS boolean LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE messages SET status = p_status, error_code = COALESCE(p_error_code, error_code),
      error_message = COALESCE(p_error_message, error_message), date_sent = COALESCE(p_date_sent, date_sent), date_updated = p_at,
      node = CASE WHEN p_status IN ('accepted', 'queued', 'sending') THEN p_node ELSE node END,
      status_history = CASE WHEN status = p_status THEN status_history
        ELSE COALESCE(status_history, status || ':' || date_created) || ',' || p_status || ':' || p_at END
    WHERE sid = p_sid AND (p_from IS NULL OR status = ANY (p_from));
    IF NOT FOUND THEN
      RETURN false;
    END IF;
    IF p_cb_url IS NOT NULL THEN
      PERFORM parley_enqueue_callback(p_cb_account, p_sid, p_cb_conversation, p_cb_url, p_cb_params, p_cb_created);
    END IF;
    RETURN true;
  END $$;
  `,
  /* 2: what each node's observers (event streams, long-polls) want from the other nodes */ `
  -- An interest text (events/interest.ts), or NULL when they want nothing: other nodes relay only that.
  ALTER TABLE nodes ADD COLUMN watching text;
  -- Whether the node tells what it watches. A node of an earlier version (false) never does, nor
  -- answers: the others relay everything to it and do not wait for its answer (a rolling upgrade).
  ALTER TABLE nodes ADD COLUMN tells_interest boolean NOT NULL DEFAULT false;
  `,
  /* 3: a short code's country, which its digits do not say (NULL for numbers; a node of an earlier
     version that makes a number leaves it NULL, as it should be) */ `
  ALTER TABLE phone_numbers ADD COLUMN iso_country text;
  `,
];
