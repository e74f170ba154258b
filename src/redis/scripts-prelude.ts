// The Lua shared by every RedisBuffer script: key names, entry access, waking waiters, settling
// places of a lease. Invariants and key layout: scripts.ts.

export const PRELUDE = `
local P = ARGV[1]
local META, ITEMS, RETRY, LEASED = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local DEAD, DEADDATA, DEADINFO, PUTIDS, PW, GW, JW = KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local CHUNK = 1000

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Entries: [u32 length of the rest][u32 attempt][u8 id length][id][payload] (entries.ts).
local function valid(e)
  return #e >= 9 and struct.unpack('>I4', e) + 4 == #e and 9 + string.byte(e, 9) <= #e
end
local function attempt_of(e) return (struct.unpack('>I4', e, 5)) end
local function with_attempt(e, a) return string.sub(e, 1, 4) .. struct.pack('>I4', a) .. string.sub(e, 9) end
local function id_of(e) return string.sub(e, 10, 9 + string.byte(e, 9)) end

-- Moves an entry to the dead-letter list.
local function bury(id, e, reason)
  redis.call('RPUSH', DEAD, id)
  redis.call('HSET', DEADDATA, id, e)
  redis.call('HSET', DEADINFO, id, reason)
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

-- Bit i (from 0, most significant bit first) of a bitmap string.
local function is_set(bits, i)
  local byte = string.byte(bits, math.floor(i / 8) + 1)
  return byte ~= nil and bit.band(byte, bit.rshift(128, i % 8)) ~= 0
end

local function ones(byte)
  local n = 0
  while byte > 0 do
    n = n + byte % 2
    byte = math.floor(byte / 2)
  end
  return n
end

-- Marks the places set in bits as settled in the lease of token, deleting the lease once all are.
-- Returns how many were newly settled and the bitmap from before, or nil if the lease is gone.
local function settle(token, bits)
  local key = P .. 'lease:' .. token
  local size = redis.call('LLEN', key)
  if size == 0 then return nil end
  local akey = P .. 'acked:' .. token
  local old = redis.call('GET', akey) or ''
  local merged, new, total = {}, 0, 0
  for i = 1, math.max(#old, #bits) do
    local x = string.byte(old, i) or 0
    local y = string.byte(bits, i) or 0
    local m = bit.bor(x, y)
    new = new + ones(bit.band(y, bit.bnot(x)))
    total = total + ones(m)
    merged[i] = string.char(m)
  end
  if total >= size then
    redis.call('DEL', key, akey)
    redis.call('ZREM', LEASED, token)
  elseif new > 0 then
    redis.call('SET', akey, table.concat(merged))
  end
  return new, old
end
`;
