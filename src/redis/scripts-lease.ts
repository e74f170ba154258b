// The scripts that take items under a lease and settle them (key layout 2: see scripts.ts for the
// keys and invariants). One lease per get call: `lease:<token>` lists the entries taken, its
// deadline is <token>'s score in `leased`, and `acked:<token>` marks the places settled so far.
// A lease that runs out gives back only its unsettled entries, to the front of the line (`retry`).
import { LAYOUT } from './entries.js';
import { PRELUDE } from './scripts-prelude.js';

// Taking items under a lease, shared by GET and by ACK's fetch of the next items.
const TAKE = `
-- The reply of an earlier run of the same call (a resend after a lost reply), or nil. Its caller
-- never saw that reply, so nothing of the lease is settled yet.
local function resent(token)
  local entries = redis.call('LRANGE', P .. 'lease:' .. token, 0, -1)
  if #entries == 0 then return nil end
  return {1, token, table.concat(entries)}
end

-- Moves the unsettled entries of leases that ran out (earliest deadline first) to the back of
-- retry, until retry holds want entries or no lease that ran out is left; returns how many it holds.
local function sweep(now, want)
  local have = redis.call('LLEN', RETRY)
  while have < want do
    local first = redis.call('ZRANGEBYSCORE', LEASED, '-inf', now, 'LIMIT', 0, 1)
    if #first == 0 then return have end
    local token = first[1]
    local key, akey = P .. 'lease:' .. token, P .. 'acked:' .. token
    local entries = redis.call('LRANGE', key, 0, -1)
    local acked = redis.call('GET', akey) or ''
    local back = {}
    for i, e in ipairs(entries) do
      if not is_set(acked, i - 1) then back[#back + 1] = e end
    end
    if #back > 0 then redis.call('RPUSH', RETRY, unpack(back)) end
    redis.call('DEL', key, akey)
    redis.call('ZREM', LEASED, token)
    have = have + #back
  end
  return have
end

-- Takes up to max items under one lease named token: first what was handed back (attempt + 1,
-- or the dead-letter list once the attempts are used up), then the buffer's head. An entry that
-- is not one (another program wrote it) is dead-lettered under the id <token>/<n>.
-- {1, token, entries concatenated} or nil when there was nothing.
local function take(max, lease_ms, max_attempts, token)
  local now = now_ms()
  local handed_back = sweep(now, max)
  local out = {}
  local dead = 0
  local function unfit(e)
    dead = dead + 1
    bury(token .. '/' .. dead, e, 'not an entry of key layout ${LAYOUT} (written by another program?)')
  end
  while handed_back > 0 and #out < max do
    local back = redis.call('LPOP', RETRY, max - #out)
    if not back then break end
    for _, e in ipairs(back) do
      if not valid(e) then
        unfit(e)
      else
        local attempt = attempt_of(e) + 1
        if attempt > max_attempts then
          dead = dead + 1
          bury(id_of(e), e, 'lease ran out on all ' .. (attempt - 1) .. ' attempts')
        else
          out[#out + 1] = with_attempt(e, attempt)
        end
      end
    end
  end
  while #out < max do
    local fresh = redis.call('LPOP', ITEMS, max - #out)
    if not fresh then break end
    for _, e in ipairs(fresh) do
      if valid(e) then out[#out + 1] = e else unfit(e) end
    end
    wake_putters()
  end
  finished(dead)
  if #out == 0 then return nil end
  redis.call('RPUSH', P .. 'lease:' .. token, unpack(out))
  redis.call('ZADD', LEASED, now + lease_ms, token)
  return {1, token, table.concat(out)}
end

-- Nothing to take: {-1} when the queue is closed and drained (no live lease of another handle:
-- mine = the leases the caller holds), else registers the get waiter and returns {0, ms until the
-- next lease runs out, or -1}.
local function nothing(entry, retry, mine)
  if redis.call('HGET', META, 'closed') == '1' and redis.call('ZCARD', LEASED) <= mine then
    return {-1}
  end
  register(GW, entry, retry)
  local first = redis.call('ZRANGE', LEASED, 0, 0, 'WITHSCORES')
  if first[2] then return {0, math.max(0, tonumber(first[2]) - now_ms())} end
  return {0, -1}
end

-- Hands the unsettled places of bits in the lease of token back to the front of retry (in their
-- order), their attempt lowered by lower; returns how many.
local function hand_back(token, bits, lower)
  local entries = redis.call('LRANGE', P .. 'lease:' .. token, 0, -1)
  if #entries == 0 then return 0 end
  local old = redis.call('GET', P .. 'acked:' .. token) or ''
  local back = {}
  for i = #entries, 1, -1 do
    if is_set(bits, i - 1) and not is_set(old, i - 1) then
      local e = entries[i]
      if lower > 0 then e = with_attempt(e, attempt_of(e) - lower) end
      back[#back + 1] = e
    end
  end
  if #back > 0 then redis.call('LPUSH', RETRY, unpack(back)) end
  settle(token, bits)
  return #back
end
`;

/**
 * GET: ARGV waiterEntry, retry, max, leaseMs, maxAttempts, getId, mine.
 * Returns {1, token, entries}, {0, ms until the next lease runs out or -1} (waiter registered), or
 * {-1} closed and drained. What was handed back comes first, with attempt + 1; an entry that has
 * used up its attempts goes to the dead-letter list instead.
 * - getId ('<handle>:<n>', new for each call, the same when the client resends it after a dropped
 *   connection) is the lease token: a resent call returns the same lease instead of taking more.
 * - A closed queue is drained when nothing is buffered and no live lease is held by another
 *   handle (mine = leases the calling handle holds; it would wait for itself): a live lease may
 *   run out and its items come back, so the get waits for it (woken by ack, release, bury).
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
 * ACK: ARGV want, leaseMs, maxAttempts, getId, waiterEntry, mine, then token, bitmap pairs (the
 * places of that lease acknowledged). Returns {n, flag, ..., then what a GET for `want` items with
 * that waiter returns}: each flag is 1 if that lease was still held (its places are now done),
 * else 0. With want > 0 the ack also takes the next items (the consumer's next get is served
 * without a round trip: ack-and-fetch-next in one call), or registers the handle's get waiter
 * when there are none.
 */
export const ACK = `${PRELUDE}${TAKE}
local flags, done = {}, 0
for i = 8, #ARGV, 2 do
  local new = settle(ARGV[i], ARGV[i + 1])
  flags[#flags + 1] = new and 1 or 0
  done = done + (new or 0)
end
finished(done)
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
 * UNGET: ARGV token, bitmap -> hands back items fetched ahead that no get asked for: they are
 * delivered next (ahead of newer items) with the same attempt number they had.
 */
export const UNGET = `${PRELUDE}${TAKE}
local n = hand_back(ARGV[2], ARGV[3], 1)
wake_getters(n)
return n
`;

/** RELEASE: ARGV token, bitmap -> gives items back at once (the next get takes them first, attempt + 1). */
export const RELEASE = `${PRELUDE}${TAKE}
local n = hand_back(ARGV[2], ARGV[3], 0)
wake_getters(n)
return n
`;

/**
 * RENEW: ARGV leaseMs, handle, aliveMs, then tokens. Marks the process alive and pushes back the
 * deadline of every lease it still holds; returns the tokens it no longer holds.
 */
export const RENEW = `${PRELUDE}
redis.call('SET', P .. 'alive:' .. ARGV[3], '1', 'PX', ARGV[4])
local deadline = now_ms() + tonumber(ARGV[2])
local lost = {}
for i = 5, #ARGV do
  if redis.call('ZSCORE', LEASED, ARGV[i]) then
    redis.call('ZADD', LEASED, 'XX', deadline, ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
`;

/** BURY: ARGV token, reason, bitmap -> moves held items that cannot be used to the dead-letter list. */
export const BURY = `${PRELUDE}
local entries = redis.call('LRANGE', P .. 'lease:' .. ARGV[2], 0, -1)
local old = redis.call('GET', P .. 'acked:' .. ARGV[2]) or ''
local n = 0
for i, e in ipairs(entries) do
  if is_set(ARGV[4], i - 1) and not is_set(old, i - 1) then
    bury(id_of(e), e, ARGV[3])
    n = n + 1
  end
end
settle(ARGV[2], ARGV[4])
finished(n)
return n
`;

export const LEASE_SCRIPTS = {
  cvGet: GET,
  cvAck: ACK,
  cvUnget: UNGET,
  cvRelease: RELEASE,
  cvRenew: RENEW,
  cvBury: BURY,
} as const;
