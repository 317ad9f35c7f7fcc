import { hashPassword } from '@bigapp/kit/auth';
import { USER_ROLES, type UserRole } from '@bigapp/kit/db';
import { OpError, type Operation } from '../context.js';
import { need, parseOpArgs } from '../args.js';

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,39}$/;

function checkPassword(op: string, p: string | undefined): string {
  const pw = need(op, p, '--password');
  if (pw.length < 10 || pw.length > 200) throw new OpError('bad_request', `${op}: --password must be 10 to 200 characters`);
  return pw;
}

export const userCreate: Operation = {
  name: 'user:create',
  summary: 'create a user',
  usage: 'user:create <username> --password <pw> [--role admin|member]',
  async run(ctx, args) {
    const { values, positionals } = parseOpArgs('user:create', args, { password: { type: 'string' }, role: { type: 'string', default: 'member' } }, 1);
    const username = need('user:create', positionals[0], '<username>');
    if (!USERNAME.test(username)) throw new OpError('bad_request', 'user:create: <username> must be 3-40 characters: lowercase letters, digits, ".", "_" or "-"');
    if (!USER_ROLES.includes(values.role as UserRole)) throw new OpError('bad_request', `user:create: --role must be one of ${USER_ROLES.join(', ')}`);
    const password_hash = await hashPassword(checkPassword('user:create', values.password));
    const row = await ctx.db.db
      .insertInto('users')
      .values({ username, password_hash, role: values.role as UserRole })
      .onConflict((oc) => oc.column('username').doNothing())
      .returning(['id', 'username', 'role'])
      .executeTakeFirst();
    if (!row) throw new OpError('conflict', `user:create: ${username} already exists`);
    return row;
  },
};

export const userSetPassword: Operation = {
  name: 'user:set-password',
  summary: "replace a user's password",
  usage: 'user:set-password <username> --password <pw>',
  async run(ctx, args) {
    const { values, positionals } = parseOpArgs('user:set-password', args, { password: { type: 'string' } }, 1);
    const username = need('user:set-password', positionals[0], '<username>');
    const password_hash = await hashPassword(checkPassword('user:set-password', values.password));
    const r = await ctx.db.db.updateTable('users').set({ password_hash }).where('username', '=', username).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new OpError('not_found', `user:set-password: no user ${username}`);
    return { username, updated: true };
  },
};

export const userList: Operation = {
  name: 'user:list',
  summary: 'list users',
  usage: 'user:list',
  async run(ctx, args) {
    parseOpArgs('user:list', args, {}, 0);
    return ctx.db.db.selectFrom('users').select(['username', 'role', 'created_at']).orderBy('username').execute();
  },
};
