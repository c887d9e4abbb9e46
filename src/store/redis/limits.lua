-- Checks, and in mode "consume" consumes, every limit of one request in one atomic step,
-- on Redis server time (never a gateway's clock). A refused request writes nothing.
--
-- KEYS: the rate keys, then the quota keys, then (with a concurrency limit) the concurrency
--       hash and the live-instances sorted set.
-- ARGV: mode ("consume" | "peek"), #rates, #quotas, has concurrency (0/1), cost,
--       this instance's id, instance liveness window (ms),
--       per rate: emission interval (ms per unit), tolerance (ms);
--       per quota: limit and four consecutive period boundaries (epoch ms);
--       with concurrency: the cap and this instance's in-flight count (this request included).
-- Returns: allowed (1/0), retry-after (ms), then per limit: remaining, reset (ms), refused (1/0).

local commit = ARGV[1] == 'consume'
local rates, quotas, concurrent = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
local cost = commit and tonumber(ARGV[5]) or 0
local me, live = ARGV[6], tonumber(ARGV[7])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local epsilon = 1e-6

local out = { 1, 0 }
local allowed, retry = true, 0
local writes = {}
local a = 8

local function units(ms, interval)
  if ms <= 0 then return 0 end
  return math.floor(ms / interval + epsilon)
end

local function report(remaining, reset, refused)
  out[#out + 1] = remaining
  out[#out + 1] = math.ceil(reset)
  out[#out + 1] = refused and 1 or 0
end

for i = 1, rates do
  local interval, tolerance = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if not tat or tat < now then tat = now end
  local nexttat = tat + cost * interval
  local allow_at = nexttat - tolerance
  if allow_at - now > epsilon and tat - now > epsilon then
    allowed = false
    if allow_at - now > retry then retry = allow_at - now end
    report(units(tolerance - (tat - now), interval), tat - now, true)
  else
    writes[#writes + 1] = { 'rate', KEYS[i], nexttat }
    report(units(tolerance - (nexttat - now), interval), nexttat - now, false)
  end
end

for j = 1, quotas do
  local key = KEYS[rates + j]
  local limit = tonumber(ARGV[a])
  local b = { tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]) }
  a = a + 5
  local start, finish
  for p = 1, 3 do
    if now >= b[p] and now < b[p + 1] then start, finish = b[p], b[p + 1] end
  end
  if not start then return redis.error_reply('PORTCULLIS_CLOCK redis time is outside the quota periods sent') end
  local state = redis.call('HMGET', key, 's', 'u')
  local used = 0
  if tonumber(state[1]) == start then used = tonumber(state[2]) or 0 end
  if used + cost > limit then
    allowed = false
    if finish - now > retry then retry = finish - now end
    report(math.max(limit - used, 0), finish - now, true)
  else
    writes[#writes + 1] = { 'quota', key, start, used + cost, finish }
    report(limit - used - cost, finish - now, false)
  end
end

if concurrent then
  local key, instances = KEYS[rates + quotas + 1], KEYS[rates + quotas + 2]
  local cap, mine = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local fields = redis.call('HGETALL', key)
  local total = mine
  for f = 1, #fields, 2 do
    local id = fields[f]
    if id ~= me then
      local seen = tonumber(redis.call('ZSCORE', instances, id))
      if seen and seen >= now - live then
        total = total + tonumber(fields[f + 1])
      else
        redis.call('HDEL', key, id)
      end
    end
  end
  if total > cap then
    allowed = false
    if retry < 1000 then retry = 1000 end
    report(0, 0, true)
  else
    writes[#writes + 1] = { 'concurrency', key, mine }
    report(cap - total, 0, false)
  end
end

if commit and allowed then
  for _, w in ipairs(writes) do
    if w[1] == 'rate' then
      redis.call('SET', w[2], string.format('%.3f', w[3]), 'PX', math.ceil(w[3] - now) + 1000)
    elseif w[1] == 'quota' then
      redis.call('HSET', w[2], 's', string.format('%d', w[3]), 'u', w[4])
      redis.call('PEXPIRE', w[2], math.ceil(w[5] - now) + 60000)
    else
      redis.call('HSET', w[2], me, w[3])
      redis.call('PEXPIRE', w[2], 86400000)
    end
  end
end

out[1] = allowed and 1 or 0
out[2] = math.ceil(retry)
return out
