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
local me, live = ARGV[6], tonumber(ARGV[7])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local epsilon = 1e-6

local function units(ms, interval)
  if ms <= 0 then return 0 end
  return math.floor(ms / interval + epsilon)
end

-- Reads every limit's state once (and drops concurrency counts of instances gone silent).
local state = { rates = {}, quotas = {}, others = 0 }
local a = 8
for i = 1, rates do
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if not tat or tat < now then tat = now end
  state.rates[i] = { interval = tonumber(ARGV[a]), tolerance = tonumber(ARGV[a + 1]), tat = tat }
  a = a + 2
end
for j = 1, quotas do
  local limit = tonumber(ARGV[a])
  local b = { tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]) }
  a = a + 5
  local start, finish
  for p = 1, 3 do
    if now >= b[p] and now < b[p + 1] then start, finish = b[p], b[p + 1] end
  end
  if not start then return redis.error_reply('PORTCULLIS_CLOCK redis time is outside the quota periods sent') end
  local stored = redis.call('HMGET', KEYS[rates + j], 's', 'u')
  local used = 0
  if tonumber(stored[1]) == start then used = tonumber(stored[2]) or 0 end
  state.quotas[j] = { limit = limit, start = start, finish = finish, used = used }
end
local cap, mine
if concurrent then
  local key, instances = KEYS[rates + quotas + 1], KEYS[rates + quotas + 2]
  cap, mine = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local fields = redis.call('HGETALL', key)
  for f = 1, #fields, 2 do
    local id = fields[f]
    if id ~= me then
      local seen = tonumber(redis.call('ZSCORE', instances, id))
      if seen and seen >= now - live then
        state.others = state.others + tonumber(fields[f + 1])
      else
        redis.call('HDEL', key, id)
      end
    end
  end
end

-- Every limit against a request of `cost` units holding `held` slots of this instance.
local function evaluate(cost, held)
  local report, refused, retry = {}, {}, 0
  local function add(remaining, reset, no, wait)
    report[#report + 1] = remaining
    report[#report + 1] = math.ceil(reset)
    report[#report + 1] = no and 1 or 0
    if no then
      refused[#refused + 1] = true
      if wait > retry then retry = wait end
    end
  end
  for i = 1, rates do
    local r = state.rates[i]
    local nexttat = r.tat + cost * r.interval
    local allow_at = nexttat - r.tolerance
    r.next = nexttat
    if allow_at - now > epsilon and r.tat - now > epsilon then
      add(units(r.tolerance - (r.tat - now), r.interval), r.tat - now, true, allow_at - now)
    else
      add(units(r.tolerance - (nexttat - now), r.interval), nexttat - now, false, 0)
    end
  end
  for j = 1, quotas do
    local q = state.quotas[j]
    add(math.max(q.limit - q.used - cost, 0), q.finish - now, q.used + cost > q.limit, q.finish - now)
  end
  if concurrent then
    local total = state.others + held
    add(math.max(cap - total, 0), 0, total > cap, 1000)
  end
  return report, #refused == 0, retry
end

local cost = commit and tonumber(ARGV[5]) or 0
local report, allowed, retry = evaluate(cost, mine or 0)
if commit and not allowed then
  -- A refused request consumes nothing: report the state as it stays.
  local view = evaluate(0, (mine or 1) - 1)
  for k = 1, #view, 3 do
    report[k], report[k + 1] = view[k], view[k + 1]
  end
elseif commit then
  for i = 1, rates do
    local r = state.rates[i]
    redis.call('SET', KEYS[i], string.format('%.3f', r.next), 'PX', math.ceil(r.next - now) + 1000)
  end
  for j = 1, quotas do
    local q = state.quotas[j]
    if q.used == 0 then
      redis.call('HSET', KEYS[rates + j], 's', string.format('%d', q.start), 'u', cost)
      redis.call('PEXPIRE', KEYS[rates + j], math.ceil(q.finish - now) + 60000)
    else
      redis.call('HINCRBY', KEYS[rates + j], 'u', cost)
    end
  end
  if concurrent then
    -- An empty hash disappears by itself once every instance has released its slots.
    redis.call('HSET', KEYS[rates + quotas + 1], me, mine)
  end
end

local out = { allowed and 1 or 0, math.ceil(retry) }
for k = 1, #report do out[#out + 1] = report[k] end
return out
