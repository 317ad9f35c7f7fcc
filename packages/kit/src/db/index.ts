export { dbEnvSchema, parseDbEnv, dbConfigFromEnv, DB_SSL_MODES, type DbConfig, type DbEnv, type DbSslMode } from './config.js';
export { DbError, isDbError, redactUrl, type DbErrorCode } from './errors.js';
export type { DbLog } from './log.js';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded.js';
export { openDatabase, type DatabaseHandle, type OpenDatabaseOptions } from './database.js';
export { migrate, migrationStatus, MIGRATIONS_TABLE, type Migration, type MigrationStatus } from './migrate.js';
export { migrations } from './migrations/index.js';
export * from './schema.js';
