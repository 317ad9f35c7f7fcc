/**
 * The bus's atomic Redis steps. Each runs as one Lua script so that a
 * message is never in two places or none. Kept apart from the orchestration
 * so they can be read against docs/protocol.md.
 */

/**
 * settle + take. KEYS: inflight, source list, done, dead, delayed.
 * ARGV: takeMax, nOps, resultPrefix, resultsChannel, doneMaxLen, then 7 per op:
 * raw, status, dead, retryRaw, retryAt, replyId, replyTtlMs ('' = none).
 */
export const STEP = `
local inflight, src, done, dead, delayed = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local takeMax = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local resPrefix, resChan, doneMax = ARGV[3], ARGV[4], tonumber(ARGV[5])
local settled, dones, deads = {}, {}, {}
local i = 6
for k = 1, n do
  local raw, status, deadE, retryRaw, retryAt, replyId, replyTtl =
    ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6]
  i = i + 7
  if redis.call('LREM', inflight, -1, raw) == 1 then
    settled[k] = 1
    if status ~= '' then dones[#dones+1] = status end
    if deadE ~= '' then deads[#deads+1] = deadE end
    if retryRaw ~= '' then redis.call('ZADD', delayed, retryAt, retryRaw) end
    if replyId ~= '' then
      redis.call('SET', resPrefix .. replyId, status, 'PX', replyTtl)
      redis.call('PUBLISH', resChan, status)
    end
  else
    settled[k] = 0
  end
end
if #dones > 0 then
  redis.call('LPUSH', done, unpack(dones))
  -- Bounded so a done list nobody consumes cannot exhaust Redis memory; the oldest go first.
  if doneMax > 0 then redis.call('LTRIM', done, 0, doneMax - 1) end
end
if #deads > 0 then redis.call('LPUSH', dead, unpack(deads)) end
local taken = {}
for t = 1, takeMax do
  local v = redis.call('LMOVE', src, inflight, 'RIGHT', 'LEFT')
  if not v then break end
  taken[t] = v
end
return {settled, taken}
`;

/** KEYS: heartbeat key, consumers set. ARGV: consumer id, info, ttlMs. */
export const HEARTBEAT = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;

/**
 * KEYS: consumers set, source list, reaper lock. ARGV: key prefix, lock owner, lock ttl.
 * Only the holder of the lock reaps; the lock expires by itself so a dead
 * reaper never blocks the next.
 */
export const REAP = `
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[2] then return false end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
local ids = redis.call('SMEMBERS', KEYS[1])
local moved, reaped = 0, {}
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[1] .. '.consumer.' .. id) == 0 then
    local inf = ARGV[1] .. '.inflight.' .. id
    while true do
      local v = redis.call('LMOVE', inf, KEYS[2], 'RIGHT', 'RIGHT')
      if not v then break end
      moved = moved + 1
    end
    redis.call('SREM', KEYS[1], id)
    reaped[#reaped+1] = id
  end
end
return {moved, reaped}
`;

/** KEYS: inflight, source list. ARGV: raws to hand back (none = all). */
export const HAND_BACK = `
local moved = 0
if #ARGV == 0 then
  while true do
    local v = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'RIGHT')
    if not v then break end
    moved = moved + 1
  end
else
  for _, raw in ipairs(ARGV) do
    if redis.call('LREM', KEYS[1], -1, raw) == 1 then
      redis.call('RPUSH', KEYS[2], raw)
      moved = moved + 1
    end
  end
end
return moved
`;

/** KEYS: delayed zset, queue list. ARGV: now, max. */
export const PROMOTE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then
  redis.call('ZREM', KEYS[1], unpack(due))
  redis.call('LPUSH', KEYS[2], unpack(due))
end
return #due
`;

/**
 * KEYS: idempotency key, target (list or zset). ARGV: id, raw, windowMs,
 * mode ('L' LPUSH, 'R' RPUSH, 'Z' ZADD), score.
 */
export const PUSH_IDEMPOTENT = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
if ARGV[4] == 'L' then redis.call('LPUSH', KEYS[2], ARGV[2])
elseif ARGV[4] == 'R' then redis.call('RPUSH', KEYS[2], ARGV[2])
else redis.call('ZADD', KEYS[2], ARGV[5], ARGV[2]) end
return false
`;

/** KEYS: list to remove from, target. ARGV: value, raw to push, mode, score. */
export const MOVE_ENTRY = `
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
if ARGV[3] == 'L' then redis.call('LPUSH', KEYS[2], ARGV[2])
elseif ARGV[3] == 'R' then redis.call('RPUSH', KEYS[2], ARGV[2])
elseif ARGV[3] == 'Z' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2]) end
return 1
`;

/**
 * KEYS: queue, delayed, dead, done, job consumers set. ARGV: job prefix.
 * Returns counts and, per consumer, its id, heartbeat info (or false) and in-flight length.
 */
export const STATS = `
local out = {redis.call('LLEN', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('LLEN', KEYS[3]), redis.call('LLEN', KEYS[4])}
local ids = redis.call('SMEMBERS', KEYS[5])
local cons = {}
for _, id in ipairs(ids) do
  cons[#cons+1] = id
  cons[#cons+1] = redis.call('GET', ARGV[1] .. '.consumer.' .. id) or ''
  cons[#cons+1] = redis.call('LLEN', ARGV[1] .. '.inflight.' .. id)
end
out[5] = cons
return out
`;

/**
 * KEYS: tracking set, target (list or zset). ARGV: id, raw, mode ('L'|'R'|'Z'), score.
 * A durable job is marked in `<service>.ledger` in the same step that queues
 * it, so the ledger's reconciler can tell a job Redis still holds from one it lost.
 */
export const PUSH_TRACKED = `
redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[3] == 'L' then redis.call('LPUSH', KEYS[2], ARGV[2])
elseif ARGV[3] == 'R' then redis.call('RPUSH', KEYS[2], ARGV[2])
else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2]) end
return 1
`;
