// The server-side scripts of RedisBuffer: constant Lua text, item data passed only as arguments.
//
// Invariants (each script runs atomically, so they hold between any two scripts):
// - LLEN items <= meta.capacity at all times. Only PUT and REQUEUE add to `items`, and both check
//   the room first; an item whose lease ran out goes from `leased` straight to the next consumer
//   (GET serves expired leases before the buffer), so it never re-enters `items`.
// - Items being processed (in `leased`) do not count against the capacity, as in the in-memory
//   BoundedBuffer where a get frees the slot.
// - Every id put is in exactly one of: items, leased, dead, or gone (acknowledged / discarded).
//   Its payload stays in `data` until it is gone.
// - meta.unfinished = ids in items + leased (dead ones do not count: join() does not wait for them).
// - A waiter entry ("handle|no|need") is in at most one waiter list; a script that pops it pushes a
//   token onto that process's wake list, so no wake-up is lost between a failed try and the wait.
//
// KEYS, the same for every script (see keys.ts): meta, items, data, leased, holder, attempts, dead,
// deadinfo, putids, pw (put waiters), gw (get waiters), jw (join waiters). ARGV[1] is the key prefix,
// from which the per-process keys alive:<handle> and wake:<handle> are made.

const PRELUDE = `
local P = ARGV[1]
local META, ITEMS, DATA, LEASED, HOLDER, ATTEMPTS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local DEAD, DEADINFO, PUTIDS, PW, GW, JW = KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local CHUNK = 1000

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- "handle|no|need" -> handle, no, need
local function parse(entry)
  local a = string.find(entry, '|', 1, true)
  local b = string.find(entry, '|', a + 1, true)
  local need = 1
  local no
  if b then
    no = string.sub(entry, a + 1, b - 1)
    need = tonumber(string.sub(entry, b + 1))
  else
    no = string.sub(entry, a + 1)
  end
  return string.sub(entry, 1, a - 1), no, need
end

-- Wakes one waiter if its process is alive; false if it is gone (its entry is dropped).
local function poke(entry)
  local handle, no = parse(entry)
  if redis.call('EXISTS', P .. 'alive:' .. handle) == 0 then return false end
  local key = P .. 'wake:' .. handle
  redis.call('RPUSH', key, no)
  redis.call('PEXPIRE', key, 60000)
  return true
end

-- Wakes put waiters in order while the room covers the head's need (strict FIFO among waiters).
local function wake_putters()
  local room = tonumber(redis.call('HGET', META, 'capacity')) - redis.call('LLEN', ITEMS)
  while room > 0 do
    local entry = redis.call('LINDEX', PW, 0)
    if not entry then return end
    local _, _, need = parse(entry)
    if need > room then return end
    redis.call('LPOP', PW)
    if poke(entry) then room = room - need end
  end
end

local function wake_getters(n)
  while n > 0 do
    local entry = redis.call('LPOP', GW)
    if not entry then return end
    if poke(entry) then n = n - 1 end
  end
end

local function wake_all(key)
  local entries = redis.call('LRANGE', key, 0, -1)
  redis.call('DEL', key)
  for _, entry in ipairs(entries) do poke(entry) end
end

-- n items left the count join() waits for.
-- On a closed queue, every waiting get looks again: the lease it waited for may be the last.
local function finished(n)
  if n == 0 then return end
  local left = redis.call('HINCRBY', META, 'unfinished', -n)
  if left <= 0 then wake_all(JW) end
  if redis.call('HGET', META, 'closed') == '1' then wake_all(GW) end
end

-- Registers a waiter that found nothing to do: at the back, or at the front when it was woken
-- and lost the race (so a woken waiter keeps its turn). Never twice: an earlier registration of
-- the same entry (a resent call, or an ack that registered it) is replaced.
local function register(list, entry, retry)
  if entry == '' then return end
  redis.call('LREM', list, 0, entry)
  if retry == '1' then redis.call('LPUSH', list, entry) else redis.call('RPUSH', list, entry) end
end
`;

/** OPEN: ARGV capacity, codec, slotBytes -> the queue's stored capacity, codec, slotBytes, closed. */
export const OPEN = `${PRELUDE}
local current = redis.call('HMGET', META, 'capacity', 'codec', 'slotBytes', 'closed')
if current[1] then return current end
redis.call('HSET', META, 'capacity', ARGV[2], 'codec', ARGV[3], 'slotBytes', ARGV[4], 'closed', '0', 'unfinished', 0)
return {ARGV[2], ARGV[3], ARGV[4], '0'}
`;

/**
 * PUT: ARGV waiterEntry ('' = do not wait), retry, dedupeMs, then id, payload pairs (all or none).
 * A put call is known by its first id (kept in PUTIDS for dedupeMs): a resent call finds it.
 * Returns 1 put, 2 already put by an earlier try of the same call, 0 no room (waiter registered),
 * -1 closed.
 */
export const PUT = `${PRELUDE}
local entry, retry = ARGV[2], ARGV[3]
if retry == '1' and entry ~= '' then redis.call('LREM', PW, 1, entry) end
if redis.call('ZSCORE', PUTIDS, ARGV[5]) then return 2 end
if redis.call('HGET', META, 'closed') == '1' then return -1 end
local n = (#ARGV - 4) / 2
if redis.call('LLEN', ITEMS) + n > tonumber(redis.call('HGET', META, 'capacity')) then
  register(PW, entry, retry)
  return 0
end
local now = now_ms()
local ids = {}
for i = 5, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
redis.call('HSET', DATA, unpack(ARGV, 5))
redis.call('RPUSH', ITEMS, unpack(ids))
redis.call('ZADD', PUTIDS, now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', PUTIDS, '-inf', now - tonumber(ARGV[4]))
redis.call('HINCRBY', META, 'unfinished', n)
wake_getters(n)
return 1
`;

// Taking items under a lease, shared by GET and by ACK's fetch of the next items.
const TAKE = `
-- The reply of an earlier run of the same call (a resend after a lost reply), or nil.
local function resent(token)
  local before = redis.call('LRANGE', P .. 'got:' .. token, 0, -1)
  if #before == 0 then return nil end
  local reply = {1, token}
  for _, id in ipairs(before) do
    if redis.call('HGET', HOLDER, id) == token then
      reply[#reply + 1] = id
      reply[#reply + 1] = redis.call('HGET', DATA, id) or false
      reply[#reply + 1] = tonumber(redis.call('HGET', ATTEMPTS, id) or '1')
    end
  end
  return reply
end

-- Takes up to max items under the lease token: expired leases first (attempt + 1, or the
-- dead-letter list once used up), then the buffer's head. {1, token, id, payload, attempt, ...}
-- or nil when there was nothing; the ids are kept under got:<token> for one lease period.
local function take(max, lease_ms, max_attempts, token)
  local now = now_ms()
  local deadline = now + lease_ms
  local out = {}
  local got = 0
  local expired = redis.call('ZRANGEBYSCORE', LEASED, '-inf', now, 'LIMIT', 0, max)
  local dead = 0
  for _, id in ipairs(expired) do
    local attempt = tonumber(redis.call('HGET', ATTEMPTS, id) or '1') + 1
    if attempt > max_attempts then
      redis.call('ZREM', LEASED, id)
      redis.call('HDEL', HOLDER, id)
      redis.call('RPUSH', DEAD, id)
      redis.call('HSET', DEADINFO, id, 'lease ran out on all ' .. (attempt - 1) .. ' attempts')
      dead = dead + 1
    else
      redis.call('HSET', ATTEMPTS, id, attempt)
      redis.call('ZADD', LEASED, deadline, id)
      redis.call('HSET', HOLDER, id, token)
      out[#out + 1] = id
      out[#out + 1] = redis.call('HGET', DATA, id) or false
      out[#out + 1] = attempt
      got = got + 1
    end
  end
  finished(dead)
  if got < max then
    local ids = redis.call('LPOP', ITEMS, max - got)
    if ids then
      local payloads = redis.call('HMGET', DATA, unpack(ids))
      local z, h = {}, {}
      for i, id in ipairs(ids) do
        z[#z + 1] = deadline
        z[#z + 1] = id
        h[#h + 1] = id
        h[#h + 1] = token
        out[#out + 1] = id
        out[#out + 1] = payloads[i]
        out[#out + 1] = 1
      end
      got = got + #ids
      redis.call('ZADD', LEASED, unpack(z))
      redis.call('HSET', HOLDER, unpack(h))
      wake_putters()
    end
  end
  if got == 0 then return nil end
  local reply = {1, token}
  local taken = {}
  for i = 1, #out do reply[i + 2] = out[i] end
  for i = 1, #out, 3 do taken[#taken + 1] = out[i] end
  local record = P .. 'got:' .. token
  redis.call('RPUSH', record, unpack(taken))
  redis.call('PEXPIRE', record, lease_ms)
  return reply
end

-- Nothing to take: {-1} when the queue is closed and drained (no live lease of another handle:
-- mine = the caller's own), else registers the get waiter and returns {0, ms until the next lease
-- runs out, or -1}.
local function nothing(entry, retry, mine)
  if redis.call('HGET', META, 'closed') == '1' and redis.call('ZCARD', LEASED) <= mine then
    return {-1}
  end
  register(GW, entry, retry)
  local first = redis.call('ZRANGE', LEASED, 0, 0, 'WITHSCORES')
  if first[2] then return {0, math.max(0, tonumber(first[2]) - now_ms())} end
  return {0, -1}
end
`;

/**
 * GET: ARGV waiterEntry, retry, max, leaseMs, maxAttempts, getId, mine.
 * Returns {1, token, id, payload, attempt, ...}, {0, ms until the next lease runs out or -1}
 * (waiter registered), or {-1} closed and drained. Expired leases come first, with attempt + 1;
 * one that has used up its attempts goes to the dead-letter list instead.
 * - getId ('<handle>:<n>', new for each call, the same when the client resends it after a dropped
 *   connection) is the lease token of what it takes, and the ids taken are kept under got:<getId>
 *   for one lease period: a resent call returns the same leases instead of taking more.
 * - A closed queue is drained when nothing is buffered and no live lease is held by another
 *   handle (mine = leases the calling handle holds; it would wait for itself): a live lease may
 *   run out and its item come back, so the get waits for it (woken by ack, release, bury).
 */
export const GET = `${PRELUDE}${TAKE}
local entry, retry = ARGV[2], ARGV[3]
local token = ARGV[7]
local again = resent(token)
if again then return again end
if entry ~= '' then redis.call('LREM', GW, 0, entry) end
return take(tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), token)
  or nothing(entry, retry, tonumber(ARGV[8]))
`;

/**
 * ACK: ARGV want, leaseMs, maxAttempts, getId, waiterEntry, mine, then id, token pairs. Returns
 * {n, flag, ..., then what a GET for `want` items with that waiter returns}: each flag is 1 if that
 * lease was still held under its token (now gone), else 0. With want > 0 the ack also takes the
 * next items (the consumer's next get is served without a round trip: ack-and-fetch-next in one
 * call), or registers the handle's get waiter when there are none.
 */
export const ACK = `${PRELUDE}${TAKE}
local mine, flags, asked = {}, {}, {}
for i = 8, #ARGV, 2 do asked[#asked + 1] = ARGV[i] end
local holders = #asked > 0 and redis.call('HMGET', HOLDER, unpack(asked)) or {}
for k, id in ipairs(asked) do
  if holders[k] == ARGV[7 + 2 * k] then
    mine[#mine + 1] = id
    flags[k] = 1
  else
    flags[k] = 0
  end
end
if #mine > 0 then
  redis.call('ZREM', LEASED, unpack(mine))
  redis.call('HDEL', HOLDER, unpack(mine))
  redis.call('HDEL', DATA, unpack(mine))
  redis.call('HDEL', ATTEMPTS, unpack(mine))
  finished(#mine)
end
local reply = {#flags}
for i = 1, #flags do reply[i + 1] = flags[i] end
local want = tonumber(ARGV[2])
if want > 0 then
  local taken = resent(ARGV[5]) or take(want, tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5])
    or nothing(ARGV[6], '0', tonumber(ARGV[7]))
  for i = 1, #taken do reply[#reply + 1] = taken[i] end
end
return reply
`;

/**
 * UNGET: ARGV token, ids -> hands back items fetched ahead that no get asked for: they are
 * delivered next (ahead of newer items) with the same attempt number they had.
 */
export const UNGET = `${PRELUDE}
local n = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', HOLDER, id) == ARGV[2] then
    redis.call('ZADD', LEASED, 'XX', 0, id)
    redis.call('HDEL', HOLDER, id)
    redis.call('HSET', ATTEMPTS, id, tonumber(redis.call('HGET', ATTEMPTS, id) or '1') - 1)
    n = n + 1
  end
end
wake_getters(n)
return n
`;

/** RELEASE: ARGV token, ids -> gives leases back at once (the next get takes them first). */
export const RELEASE = `${PRELUDE}
local n = 0
for i = 3, #ARGV do
  if redis.call('HGET', HOLDER, ARGV[i]) == ARGV[2] then
    redis.call('ZADD', LEASED, 'XX', 0, ARGV[i])
    redis.call('HDEL', HOLDER, ARGV[i])
    n = n + 1
  end
end
wake_getters(n)
return n
`;

/**
 * RENEW: ARGV leaseMs, handle, aliveMs, then id, token pairs. Marks the process alive and pushes
 * back the deadline of every lease it still holds; returns the ids it no longer holds.
 */
export const RENEW = `${PRELUDE}
redis.call('SET', P .. 'alive:' .. ARGV[3], '1', 'PX', ARGV[4])
local deadline = now_ms() + tonumber(ARGV[2])
local lost = {}
for i = 5, #ARGV, 2 do
  if redis.call('HGET', HOLDER, ARGV[i]) == ARGV[i + 1] then
    redis.call('ZADD', LEASED, 'XX', deadline, ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
`;

/** BURY: ARGV token, reason, ids -> moves held items that cannot be used to the dead-letter list. */
export const BURY = `${PRELUDE}
local n = 0
for i = 4, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', HOLDER, id) == ARGV[2] then
    redis.call('ZREM', LEASED, id)
    redis.call('HDEL', HOLDER, id)
    redis.call('RPUSH', DEAD, id)
    redis.call('HSET', DEADINFO, id, ARGV[3])
    n = n + 1
  end
end
finished(n)
return n
`;

/** REQUEUE: ARGV ids -> moves dead letters back to the end of the buffer while there is room. */
export const REQUEUE = `${PRELUDE}
if redis.call('HGET', META, 'closed') == '1' then return -1 end
local room = tonumber(redis.call('HGET', META, 'capacity')) - redis.call('LLEN', ITEMS)
local n = 0
for i = 2, #ARGV do
  if n >= room then break end
  local id = ARGV[i]
  if redis.call('LREM', DEAD, 1, id) == 1 then
    redis.call('RPUSH', ITEMS, id)
    redis.call('HDEL', DEADINFO, id)
    redis.call('HDEL', ATTEMPTS, id)
    n = n + 1
  end
end
redis.call('HINCRBY', META, 'unfinished', n)
wake_getters(n)
return n
`;

/** DISCARD_DEAD: ARGV ids -> deletes dead letters for good; returns how many. */
export const DISCARD_DEAD = `${PRELUDE}
local n = 0
for i = 2, #ARGV do
  if redis.call('LREM', DEAD, 1, ARGV[i]) == 1 then
    redis.call('HDEL', DATA, ARGV[i])
    redis.call('HDEL', DEADINFO, ARGV[i])
    redis.call('HDEL', ATTEMPTS, ARGV[i])
    n = n + 1
  end
end
return n
`;

/** DEAD_LIST: ARGV start, count -> {id, payload, reason, attempts, ...} of the dead-letter list. */
export const DEAD_LIST = `${PRELUDE}
local ids = redis.call('LRANGE', DEAD, tonumber(ARGV[2]), tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1)
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', DATA, id) or false
  out[#out + 1] = redis.call('HGET', DEADINFO, id) or ''
  out[#out + 1] = tonumber(redis.call('HGET', ATTEMPTS, id) or '1')
end
return out
`;

/**
 * CLOSE: ARGV immediate -> marks the queue closed and wakes every waiter; with immediate, also
 * takes everything buffered out and returns {id, payload, ...}.
 */
export const CLOSE = `${PRELUDE}
redis.call('HSET', META, 'closed', '1')
local out = {}
if ARGV[2] == '1' then
  local n = 0
  while true do
    local ids = redis.call('LPOP', ITEMS, CHUNK)
    if not ids then break end
    local payloads = redis.call('HMGET', DATA, unpack(ids))
    redis.call('HDEL', DATA, unpack(ids))
    redis.call('HDEL', ATTEMPTS, unpack(ids))
    for i, id in ipairs(ids) do
      out[#out + 1] = id
      out[#out + 1] = payloads[i]
    end
    n = n + #ids
  end
  finished(n)
end
wake_all(PW)
wake_all(GW)
wake_all(JW)
return out
`;

/** JOIN: ARGV waiterEntry, retry -> 1 when nothing is unfinished, else 0 (waiter registered). */
export const JOIN = `${PRELUDE}
if ARGV[3] == '1' and ARGV[2] ~= '' then redis.call('LREM', JW, 1, ARGV[2]) end
if tonumber(redis.call('HGET', META, 'unfinished') or '0') <= 0 then return 1 end
register(JW, ARGV[2], '0')
return 0
`;

/**
 * PASS: ARGV list ('pw' | 'gw' | 'jw' | ''), entry. A waiter gave up (timeout, abort) or a token
 * reached a process whose waiter had left: withdraw the entry, and if it was already woken, pass
 * the wake-up on to whoever can use it now.
 */
export const PASS = `${PRELUDE}
local lists = { pw = PW, gw = GW, jw = JW }
local list = lists[ARGV[2]]
if list and redis.call('LREM', list, 1, ARGV[3]) == 1 then return 0 end
wake_putters()
wake_getters(redis.call('LLEN', ITEMS) + redis.call('ZCOUNT', LEASED, '-inf', now_ms()))
if tonumber(redis.call('HGET', META, 'unfinished') or '0') <= 0 then wake_all(JW) end
return 1
`;

/** Every script by the name of the command it becomes on the client. */
export const SCRIPTS = {
  cvOpen: OPEN,
  cvPut: PUT,
  cvGet: GET,
  cvAck: ACK,
  cvUnget: UNGET,
  cvRelease: RELEASE,
  cvRenew: RENEW,
  cvBury: BURY,
  cvRequeue: REQUEUE,
  cvDiscardDead: DISCARD_DEAD,
  cvDeadList: DEAD_LIST,
  cvClose: CLOSE,
  cvJoin: JOIN,
  cvPass: PASS,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
