/**
 * Versioned schema. Applied at start (and by `npm run db:migrate`) in one transaction under an
 * advisory lock, so two instances starting at once apply each migration exactly once. Never edit
 * a released migration: add the next version.
 */
import type { Database } from './driver'

/** The NOTIFY channel of revocation notices (migration 2). */
export const REVOCATION_CHANNEL = 'session_revoked'

export interface Migration {
  version: number
  name: string
  sql: string
}

/** pg_advisory_xact_lock key for migrations ("tccc" + 1). */
const MIGRATION_LOCK = 0x74636301

export const DEFAULT_OUTCOMES = [
  { code: 'interested', labelZh: '有意向', labelEn: 'Interested', final: false },
  { code: 'not-interested', labelZh: '无意向', labelEn: 'Not interested', final: true },
  { code: 'callback', labelZh: '预约回拨', labelEn: 'Call back', final: false },
  { code: 'wrong-number', labelZh: '号码错误', labelEn: 'Wrong number', final: true },
  { code: 'no-answer', labelZh: '无人接听', labelEn: 'No answer', final: false },
  { code: 'deal', labelZh: '成交', labelEn: 'Deal', final: true },
] as const

const seedOutcomes = DEFAULT_OUTCOMES.map(
  (o, i) =>
    `('', 'outcome', '${o.code}', nextval('workspace_rev'), false, '${JSON.stringify({ ...o, position: i + 1 })}'::jsonb)`,
).join(',\n  ')

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'agents, sessions, login counters, workspace',
    sql: `
CREATE TABLE agents (
  username_key text PRIMARY KEY,          -- lower-cased, trimmed login
  username text NOT NULL,
  user_id text NOT NULL UNIQUE,           -- one TCCC seat per agent
  password_hash text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE sessions (
  id text PRIMARY KEY,                    -- the access token's jti: revocation is a primary-key lookup
  user_id text NOT NULL,
  issued_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  ended_at bigint
);
CREATE INDEX sessions_live_by_agent ON sessions (user_id) WHERE ended_at IS NULL;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
-- Counters whose window opens at their first attempt, bumped atomically by one upsert.
CREATE TABLE login_counters (
  key text PRIMARY KEY,
  window_start bigint NOT NULL,
  count integer NOT NULL
);
CREATE INDEX login_counters_window ON login_counters (window_start);
-- Usernames with failed attempts from one address (distinct usernames count, not failures).
CREATE TABLE login_address_users (
  address text NOT NULL,
  username_key text NOT NULL,
  last_at bigint NOT NULL,
  PRIMARY KEY (address, username_key)
);
CREATE INDEX login_address_users_last ON login_address_users (last_at);
CREATE TABLE meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
CREATE SEQUENCE workspace_rev;
-- Every workspace record; agent '' holds the business's shared records (outcomes, settings).
CREATE TABLE workspace_records (
  agent text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('number', 'call', 'outcome', 'setting')),
  id text NOT NULL,
  rev bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  data jsonb,
  PRIMARY KEY (agent, kind, id)
);
CREATE INDEX workspace_records_pull ON workspace_records (agent, rev);
CREATE UNIQUE INDEX workspace_live_numbers ON workspace_records (agent, (data->>'number'))
  WHERE kind = 'number' AND NOT deleted;
-- Every changeId an agent pushed: a repeat answers "duplicate" and changes nothing.
CREATE TABLE workspace_changes (
  agent text NOT NULL,
  change_id text NOT NULL,
  status text NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (agent, change_id)
);
INSERT INTO workspace_records (agent, kind, id, rev, deleted, data) VALUES
  ${seedOutcomes},
  ('', 'setting', 'wrapup', nextval('workspace_rev'), false, '{"connected":"required","unanswered":"optional"}'::jsonb);
`,
  },
  {
    version: 2,
    name: 'revocation notices',
    // Every write that can end a session or change its agent says so on one channel, whatever
    // path made it (route, CLI, a test's SQL): the session cache (db/sessionCache.ts) listens.
    sql: `
CREATE FUNCTION notify_session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'ROW' AND TG_TABLE_NAME = 'sessions' THEN
    PERFORM pg_notify('${REVOCATION_CHANNEL}', 'session:' || OLD.id);
  ELSIF TG_LEVEL = 'ROW' THEN
    PERFORM pg_notify('${REVOCATION_CHANNEL}', 'agent:' || OLD.user_id);
  ELSIF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('${REVOCATION_CHANNEL}', 'all');
  ELSIF EXISTS (SELECT 1 FROM gone) THEN -- planned only when run: the DELETE trigger has "gone"
    PERFORM pg_notify('${REVOCATION_CHANNEL}', 'all');
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER sessions_revoked AFTER UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION notify_session_revoked();
-- Pruning deletes many rows at once: one notice for the statement, and none when it deleted nothing.
CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION notify_session_revoked();
CREATE TRIGGER sessions_truncated AFTER TRUNCATE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION notify_session_revoked();
CREATE TRIGGER agents_changed AFTER UPDATE OR DELETE ON agents FOR EACH ROW EXECUTE FUNCTION notify_session_revoked();
CREATE TRIGGER agents_truncated AFTER TRUNCATE ON agents FOR EACH STATEMENT EXECUTE FUNCTION notify_session_revoked();
`,
  },
  {
    version: 3,
    name: 'workspace change budget and pruning',
    // The changes an agent pushed in the last day (their budget) and the old ones pruned.
    sql: `
CREATE INDEX workspace_changes_by_agent_time ON workspace_changes (agent, received_at);
CREATE INDEX workspace_changes_by_time ON workspace_changes (received_at);
`,
  },
  {
    version: 4,
    name: 'call export order',
    // The export reads calls a page at a time in start-time order (db/workspace.ts exportCallPages).
    sql: `
CREATE INDEX workspace_calls_by_start ON workspace_records (((data->>'startedAt')::bigint), agent, id)
  WHERE kind = 'call' AND NOT deleted;
`,
  },
  {
    version: 5,
    name: 'addresses agents signed in from',
    // The per-username sign-in cap across addresses spares these (db/loginLimits.ts).
    sql: `
CREATE TABLE login_known_addresses (
  username_key text NOT NULL,
  address text NOT NULL,
  last_ok_at bigint NOT NULL,
  PRIMARY KEY (username_key, address)
);
CREATE INDEX login_known_addresses_last ON login_known_addresses (last_ok_at);
`,
  },
  {
    version: 6,
    name: 'workspace starts',
    // Each start with the highest rev the database then held: a restored backup shows as a start
    // whose max_rev is below revs phones saw, and reconciles list only what lies above it.
    sql: `
CREATE TABLE workspace_starts (
  started_at bigint NOT NULL,
  max_rev bigint NOT NULL
);
CREATE INDEX workspace_starts_at ON workspace_starts (started_at);
`,
  },
  {
    version: 7,
    name: 'workspace records put back',
    // A record a phone put back after a reconcile (a push with seenRev): the rev that phone had
    // seen of it. Another phone that saw a later rev before the restore is answered lost, not
    // newer, so the older copy does not win by being sent first. NULL: an ordinary write.
    sql: `
ALTER TABLE workspace_records ADD COLUMN seen_rev bigint;
`,
  },
  {
    version: 8,
    name: 'workspace totals per agent',
    // What each agent stores, for the caps (WORKSPACE_NUMBERS_MAX, WORKSPACE_RECORDS_MAX;
    // db/workspace.ts pushChanges): kept by triggers in the writing transaction, whatever path
    // writes (a push, assign-numbers, the development clear, a seat moved or removed, an
    // operator's SQL), so a push reads one row instead of counting up to 200,000. An edit that
    // changes neither owner, kind nor deleted does not run the function (the WHEN clause), nor
    // does a push: it follows its totals itself and writes them once at its end
    // (tccc.totals_by_push, set for its transaction only; a function call per new row was 1.27x
    // the time of a 500-number push on PGlite).
    sql: `
CREATE TABLE workspace_totals (
  agent text PRIMARY KEY,
  numbers bigint NOT NULL,  -- live number records
  records bigint NOT NULL   -- every row: numbers and calls, tombstones included
);
CREATE FUNCTION workspace_totals_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO workspace_totals AS t (agent, numbers, records)
      VALUES (OLD.agent, CASE WHEN OLD.kind = 'number' AND NOT OLD.deleted THEN -1 ELSE 0 END, -1)
      ON CONFLICT (agent) DO UPDATE SET numbers = t.numbers + EXCLUDED.numbers, records = t.records + EXCLUDED.records;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO workspace_totals AS t (agent, numbers, records)
      VALUES (NEW.agent, CASE WHEN NEW.kind = 'number' AND NOT NEW.deleted THEN 1 ELSE 0 END, 1)
      ON CONFLICT (agent) DO UPDATE SET numbers = t.numbers + EXCLUDED.numbers, records = t.records + EXCLUDED.records;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER workspace_records_counted AFTER INSERT OR DELETE ON workspace_records
  FOR EACH ROW WHEN (current_setting('tccc.totals_by_push', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION workspace_totals_count();
CREATE TRIGGER workspace_records_recounted AFTER UPDATE OF agent, kind, deleted ON workspace_records
  FOR EACH ROW WHEN ((OLD.agent IS DISTINCT FROM NEW.agent OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.deleted IS DISTINCT FROM NEW.deleted)
    AND current_setting('tccc.totals_by_push', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION workspace_totals_count();
INSERT INTO workspace_totals (agent, numbers, records)
  SELECT agent, count(*) FILTER (WHERE kind = 'number' AND NOT deleted), count(*) FROM workspace_records GROUP BY agent;
`,
  },
  {
    version: 9,
    name: 'failed sign-ins per agent',
    // What the agent is told at their next successful sign-in (db/signInFailures.ts). Only for
    // usernames of agents: a guess at one that does not exist stores nothing.
    sql: `
-- The newest failed password checks of each agent (FAILURES_KEPT), pruned after FAILURES_KEEP_MS.
CREATE TABLE login_failures (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username_key text NOT NULL,
  at bigint NOT NULL,
  address text NOT NULL -- as the limits count it: IPv4, or an IPv6 /64 (limitAddress)
);
CREATE INDEX login_failures_by_agent ON login_failures (username_key, id);
CREATE INDEX login_failures_at ON login_failures (at);
-- Since the agent's last successful sign-in: failed checks, the last one, the first refusal by a
-- limit of the username. Taken (deleted) by the next successful sign-in.
CREATE TABLE login_failure_reports (
  username_key text PRIMARY KEY,
  failures integer NOT NULL,
  last_failure_at bigint,
  locked_at bigint,
  changed_at bigint NOT NULL
);
CREATE INDEX login_failure_reports_changed ON login_failure_reports (changed_at);
`,
  },
  {
    version: 10,
    name: 'failed sign-ins kept until the app has them',
    // A report is told at every sign-in until the app confirms it kept this one (by its id, with
    // the count it was told): an answer lost on the way no longer loses it (db/signInFailures.ts).
    sql: `
ALTER TABLE login_failure_reports ADD COLUMN report_id bigint GENERATED ALWAYS AS IDENTITY;
`,
  },
  {
    version: 11,
    name: 'workspace tombstones forgotten',
    // When each record was deleted (epoch ms; set by the write that deletes it, NULL while live),
    // so the maintenance forgets tombstones older than WORKSPACE_TOMBSTONE_DAYS (db/workspace.ts
    // pruneTombstones) through a small index of the tombstones alone. Those from before this
    // migration, or an operator's SQL, have none: the maintenance stamps them when it first sees
    // them. workspace_pruned: per agent, the highest rev of a tombstone forgotten; a pull from
    // below it cannot list those deletes and answers a full listing instead (resync).
    sql: `
ALTER TABLE workspace_records ADD COLUMN deleted_at bigint;
CREATE INDEX workspace_tombstones_by_age ON workspace_records (deleted_at) WHERE deleted;
CREATE TABLE workspace_pruned (
  agent text PRIMARY KEY,
  rev bigint NOT NULL
);
`,
  },
]

/** Applies the missing migrations; returns the versions it applied (empty when up to date). */
export async function migrate(db: Database, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)))
    const applied: number[] = []
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue
      await tx.exec(m.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      applied.push(m.version)
    }
    return applied
  })
}
