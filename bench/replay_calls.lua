-- wrk script of bench/wrk_replay.py: each thread (one connection) replays the pre-signed
-- whole calls of its own file in order, checks every answer and logs each request.
--
-- File calls-<tid>.tsv, one request per line:
--   call_no  step  check(exact|contains|match)  expected  path  signature  body
-- (match: `expected` is a Lua pattern)
-- Log log-<tid>.tsv, one line per answer: step  start_us  latency_us  ok(1|0)
-- A failed step skips the rest of its call; a thread that runs out of calls asks for
-- /healthz (not logged) and says so in exhausted-<tid>.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } hotline_timespec;
int clock_gettime(int clk_id, hotline_timespec *tp);
]]
local ts = ffi.new("hotline_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC, as Python's time.monotonic()
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local requests, steps, checks, expected, calls = {}, {}, {}, {}, {}
local log, dir
local i, started, waiting, exhausted = 1, 0, false, false

local function unescape(s)
  return (s:gsub("\\t", "\t"):gsub("\\n", "\n"):gsub("\\\\", "\\"))
end

function init(args)
  dir = args[1]
  local n = 0
  for line in io.lines(dir .. "/calls-" .. tid .. ".tsv") do
    local call, step, check, want, path, sig, body =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
    n = n + 1
    calls[n], steps[n], checks[n], expected[n] = call, step, check, unescape(want)
    requests[n] = wrk.format("POST", path, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = sig,
    }, body)
  end
  log = io.open(dir .. "/log-" .. tid .. ".tsv", "w")
end

local idle = wrk.format("GET", "/healthz")

function request()
  if i > #requests then
    if not exhausted then
      local f = io.open(dir .. "/exhausted-" .. tid, "w")
      f:write("ran out of pre-signed calls\n")
      f:close()
      exhausted = true
    end
    waiting = false
    return idle
  end
  waiting = true
  started = now_us()
  return requests[i]
end

function response(status, headers, body)
  if not waiting then
    return
  end
  local latency = now_us() - started
  local ok = status == 200
  if ok then
    if checks[i] == "exact" then
      ok = body == expected[i]
    elseif checks[i] == "match" then
      ok = body:find(expected[i]) ~= nil
    else
      ok = body:find(expected[i], 1, true) ~= nil
    end
  end
  log:write(steps[i], "\t", started, "\t", latency, "\t", ok and "1" or "0", "\n")
  if not ok then
    log:write("#wrong\t", steps[i], "\t", status, "\t", ((body or ""):sub(1, 200):gsub("[\t\n]", " ")), "\n")
    local call = calls[i]
    while i <= #requests and calls[i] == call do
      i = i + 1
    end
  else
    i = i + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d socket errors, %d timeouts\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout))
end
