-- Announces one gateway instance and counts the live ones, on Redis server time.
-- KEYS[1]: the live-instances sorted set (member: instance id, score: last heartbeat, ms).
-- ARGV[1]: this instance's id; ARGV[2]: liveness window (ms). Returns the live count.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
