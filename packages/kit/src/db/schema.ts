import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables as the code sees them. Migrations (./migrations) are what
 * creates them; a change to one without the other is a bug, which the typed
 * insert/select tests in test/db catch.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * jsonb columns are written as JSON text (`toJsonb(value)`): pg would turn a
 * JS array parameter into a PostgreSQL array literal, not JSON, so passing
 * objects straight through is a trap we keep out of the types.
 */
export type Jsonb<T = JsonValue> = ColumnType<T, string, string>;
export type NullableJsonb<T = JsonValue> = ColumnType<T | null, string | null | undefined, string | null>;

/** now() by default; written as a Date or an ISO string. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/**
 * Ledger statuses. The bus's status envelope has its own vocabulary
 * (`retrying` is an event, not a state); the ledger records where a job is.
 */
export const LEDGER_STATUSES = ['queued', 'active', 'succeeded', 'failed', 'dead'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

export interface JobsTable {
  /** The job id from the bus envelope. */
  id: string;
  service: string;
  type: string;
  payload: Jsonb;
  status: ColumnType<LedgerStatus, LedgerStatus | undefined, LedgerStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  result: NullableJsonb;
  /** `{ code, message, ... }` like the bus's ErrorInfo. */
  error: NullableJsonb;
  trace_id: string | null;
  /** Unique per service when set: a second enqueue with the same key is the same job. */
  idempotency_key: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  finished_at: NullableTimestamp;
  /** Earliest time the next attempt may start (retry backoff, delayed jobs). */
  run_after: Timestamp;
  /**
   * When the reconciler should next look at a queued/active job, to re-send
   * one whose Redis copy was lost. Null once the job is finished.
   */
  next_check_at: NullableTimestamp;
  /** The workspace a reference-app job belongs to (0002), for membership checks. */
  workspace_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** One entry per finished attempt (0003): {attempt, status, worker, durationMs, error, at}. */
  attempt_log: ColumnType<JobAttempt[], string | undefined, string>;
}

export interface JobAttempt {
  attempt: number;
  status: string;
  worker: string | null;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  at: string;
}

export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface UsersTable {
  id: Generated<string>;
  username: string;
  password_hash: string;
  role: ColumnType<UserRole, UserRole | undefined, UserRole>;
  created_at: CreatedAt;
}

export interface AuditLogTable {
  /** bigserial, read back as a number (int8 is parsed as number by this pool). */
  id: Generated<number>;
  at: CreatedAt;
  actor: string;
  op: string;
  args: ColumnType<JsonValue, string | undefined, never>;
  ok: boolean;
  result: NullableJsonb;
  error: string | null;
}

export interface MigrationsTable {
  name: string;
  applied_at: CreatedAt;
  duration_ms: number;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface WorkspacesTable {
  id: Generated<string>;
  name: string;
  created_by: string | null;
  created_at: CreatedAt;
}

export const WORKSPACE_ROLES = ['owner', 'editor', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  role: WorkspaceRole;
  created_at: CreatedAt;
}

export const MEDIA_STATUSES = ['processing', 'ready', 'failed'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

export interface MediaTable {
  id: Generated<string>;
  workspace_id: string;
  filename: string;
  content_type: string;
  /** bigint, read back as a number by this pool. */
  size: number;
  sha256: string;
  original_key: string;
  status: ColumnType<MediaStatus, MediaStatus | undefined, MediaStatus>;
  width: number | null;
  height: number | null;
  format: string | null;
  thumb_small_key: string | null;
  thumb_large_key: string | null;
  error: string | null;
  job_id: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface Database {
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  media: MediaTable;
  jobs: JobsTable;
  users: UsersTable;
  audit_log: AuditLogTable;
  bigapp_migrations: MigrationsTable;
}

export type Job = Selectable<JobsTable>;
export type NewJob = Insertable<JobsTable>;
export type JobUpdate = Updateable<JobsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type NewAuditEntry = Insertable<AuditLogTable>;

/** JSON text for a jsonb column (see `Jsonb`). */
export function toJsonb(value: unknown): string {
  return JSON.stringify(value ?? null);
}
