// The server-side scripts of RedisBuffer: constant Lua text, item data passed only as arguments.
//
// Key layout 2 (entries.ts): an item is one self-delimiting entry string (id, attempt, payload);
// a get call takes its items under one lease, a list of the entries it took, so a batch moves with
// one LPOP and one RPUSH, and a get's reply is one concatenation of entries.
//
// Invariants (each script runs atomically, so they hold between any two scripts):
// - LLEN items <= meta.capacity at all times. Only PUT and REQUEUE add to `items`, and both check
//   the room first. Items handed back (a lease that ran out, release, unget) go to `retry`, which
//   the next get serves before `items` and which does not count against the capacity, as items
//   being processed do not (as in the in-memory BoundedBuffer, where a get frees the slot).
// - A lease is `lease:<token>` (the entries taken, in order) with its deadline under <token> in
//   `leased`, and `acked:<token>` (a bitmap, bit i for entry i, most significant bit first) once
//   part of it is settled (acked, released, handed back, buried). The three are created and
//   deleted together; a lease whose entries are all settled is deleted. Only the holder settles.
// - Every item put is in exactly one of: items, retry, an unsettled place of a lease, dead
//   (dead lists its id, deaddata holds its entry), or gone (acknowledged / discarded).
// - meta.unfinished = items + retry + unsettled lease entries (dead ones do not count: join()
//   does not wait for them).
// - A waiter entry ("handle|no|need") is in at most one waiter list; a script that pops it pushes a
//   token onto that process's wake list, so no wake-up is lost between a failed try and the wait.
//
// KEYS, the same for every script (see keys.ts): meta, items, retry, leased, dead, deaddata,
// deadinfo, putids, pw (put waiters), gw (get waiters), jw (join waiters). ARGV[1] is the key
// prefix, from which the per-lease keys lease:<token>, acked:<token> and the per-process keys
// alive:<handle>, wake:<handle> are made.
import { LEASE_SCRIPTS } from './scripts-lease.js';
import { PRELUDE } from './scripts-prelude.js';

/**
 * OPEN: ARGV capacity, codec, slotBytes, layout -> the queue's stored capacity, codec, slotBytes,
 * closed and key layout ('1' for a queue made before layouts were recorded).
 */
export const OPEN = `${PRELUDE}
local current = redis.call('HMGET', META, 'capacity', 'codec', 'slotBytes', 'closed', 'layout')
if current[1] then return {current[1], current[2], current[3], current[4], current[5] or '1'} end
redis.call('HSET', META, 'capacity', ARGV[2], 'codec', ARGV[3], 'slotBytes', ARGV[4], 'closed', '0',
  'unfinished', 0, 'layout', ARGV[5])
return {ARGV[2], ARGV[3], ARGV[4], '0', ARGV[5]}
`;

/**
 * PUT: ARGV waiterEntry ('' = do not wait), retry, dedupeMs, firstId, entries (one concatenation,
 * all put or none). A put call is known by its first id (kept in PUTIDS for dedupeMs): a resent
 * call finds it. Returns 1 put, 2 already put by an earlier try of the same call, 0 no room
 * (waiter registered), -1 closed.
 */
export const PUT = `${PRELUDE}
local entry, retry = ARGV[2], ARGV[3]
if retry == '1' and entry ~= '' then redis.call('LREM', PW, 1, entry) end
if redis.call('ZSCORE', PUTIDS, ARGV[5]) then return 2 end
if redis.call('HGET', META, 'closed') == '1' then return -1 end
local blob = ARGV[6]
local entries = {}
local at = 1
while at <= #blob do
  local size = struct.unpack('>I4', blob, at)
  entries[#entries + 1] = string.sub(blob, at, at + 3 + size)
  at = at + 4 + size
end
local n = #entries
if redis.call('LLEN', ITEMS) + n > tonumber(redis.call('HGET', META, 'capacity')) then
  register(PW, entry, retry)
  return 0
end
local now = now_ms()
redis.call('RPUSH', ITEMS, unpack(entries))
redis.call('ZADD', PUTIDS, now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', PUTIDS, '-inf', now - tonumber(ARGV[4]))
redis.call('HINCRBY', META, 'unfinished', n)
wake_getters(n)
return 1
`;

/** REQUEUE: ARGV ids -> moves dead letters back to the end of the buffer (attempt 1) while there is room. */
export const REQUEUE = `${PRELUDE}
if redis.call('HGET', META, 'closed') == '1' then return -1 end
local room = tonumber(redis.call('HGET', META, 'capacity')) - redis.call('LLEN', ITEMS)
local n = 0
for i = 2, #ARGV do
  if n >= room then break end
  local id = ARGV[i]
  if redis.call('LREM', DEAD, 1, id) == 1 then
    local e = redis.call('HGET', DEADDATA, id) or ''
    if valid(e) then e = with_attempt(e, 1) end
    redis.call('RPUSH', ITEMS, e)
    redis.call('HDEL', DEADDATA, id)
    redis.call('HDEL', DEADINFO, id)
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
    redis.call('HDEL', DEADDATA, ARGV[i])
    redis.call('HDEL', DEADINFO, ARGV[i])
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
  local e = redis.call('HGET', DEADDATA, id)
  local payload, attempts = e, 0
  if e and valid(e) then
    payload = string.sub(e, 10 + string.byte(e, 9))
    attempts = attempt_of(e)
  end
  out[#out + 1] = id
  out[#out + 1] = payload
  out[#out + 1] = redis.call('HGET', DEADINFO, id) or ''
  out[#out + 1] = attempts
end
return out
`;

/**
 * CLOSE: ARGV immediate -> marks the queue closed and wakes every waiter; with immediate, also
 * takes everything buffered out and returns its entries.
 */
export const CLOSE = `${PRELUDE}
redis.call('HSET', META, 'closed', '1')
local out = {}
if ARGV[2] == '1' then
  local n = 0
  while true do
    local entries = redis.call('LPOP', ITEMS, CHUNK)
    if not entries then break end
    for _, e in ipairs(entries) do out[#out + 1] = e end
    n = n + #entries
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
wake_getters(redis.call('LLEN', ITEMS) + redis.call('LLEN', RETRY) + redis.call('ZCOUNT', LEASED, '-inf', now_ms()))
if tonumber(redis.call('HGET', META, 'unfinished') or '0') <= 0 then wake_all(JW) end
return 1
`;

/** INFLIGHT: -> items taken and not yet settled, or handed back and waiting to go out again. */
export const IN_FLIGHT = `${PRELUDE}
return tonumber(redis.call('HGET', META, 'unfinished') or '0') - redis.call('LLEN', ITEMS)
`;

/** Every script by the name of the command it becomes on the client. */
export const SCRIPTS = {
  cvOpen: OPEN,
  cvPut: PUT,
  ...LEASE_SCRIPTS,
  cvRequeue: REQUEUE,
  cvDiscardDead: DISCARD_DEAD,
  cvDeadList: DEAD_LIST,
  cvClose: CLOSE,
  cvJoin: JOIN,
  cvPass: PASS,
  cvInFlight: IN_FLIGHT,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
