-- heartbeat.lua - wrk script for tests/bench/cmdd.sh: agent heartbeats
-- (POST /v1/agent/heartbeat, no long-poll) from many endpoints. Reads the
-- simulator's tokens file ("HOST TOKEN" lines) named by ITRACE_BENCH_TOKENS;
-- each request uses the next endpoint's token and a fresh Idempotency-Key.

local tid = 0

function setup(thread)
  thread:set("tid", tid)
  tid = tid + 1
end

local tokens = {}
local n = 0
local body = '{"client_version":"1.0.0","errors":[]}'

function init(args)
  local f = assert(io.open(os.getenv("ITRACE_BENCH_TOKENS"), "r"))
  for line in f:lines() do
    local t = line:match("^%S+%s+(%S+)%s*$")
    if t then tokens[#tokens + 1] = t end
  end
  f:close()
  -- threads start at different endpoints
  n = (tid or 0) * 7919
end

function request()
  n = n + 1
  local tok = tokens[(n % #tokens) + 1]
  return wrk.format("POST", "/v1/agent/heartbeat", {
    ["Authorization"] = "Bearer " .. tok,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("wrk-%d-%d-%d", tid or 0, os.time(), n),
  }, body)
end
