-- lookup.lua: wrk script for the public lookup, GET /api/v1/lookup/{code}.
-- Usage: wrk ... -s bench/lookup.lua URL -- CODES_FILE
-- Each thread walks the list of codes (one per line), from its own starting
-- point, with the requests built once in init(). The same script drives the
-- nginx ceiling, so both sides see exactly the same client.
-- done() prints one machine-readable line for bench/run.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  local path = args[1]
  reqs = {}
  for line in io.lines(path) do
    if #line > 0 then
      reqs[#reqs + 1] = wrk.format("GET", "/api/v1/lookup/" .. line)
    end
  end
  n = #reqs
  if n == 0 then
    error("lookup.lua: no codes in " .. tostring(path))
  end
  i = (((tid or 1) - 1) * 7919) % n
end

function request()
  i = i % n + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  local ok = summary.requests - e.status
  io.write(string.format(
    "wrk requests=%d ok=%d seconds=%.3f rate=%.1f bytes=%d errors_status=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d " ..
    "p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, ok, secs, ok / secs, summary.bytes, e.status,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3))
end
