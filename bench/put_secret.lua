-- wrk script: PUT /api/settings/secrets with a rotating set of 1000 names, so the
-- benchmark measures durable upserts (insert first, then replace).
local counter = 0
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Session-API-Key"] = os.getenv("BENCH_SESSION_KEY") or "bench-session-key"

request = function()
  counter = counter + 1
  local name = string.format("BENCH_%d_%d", math.random(1, 1000000) % 1000, counter % 7)
  local body = string.format('{"name":"%s","value":"bench-value-%d","description":"bench"}', name, counter)
  return wrk.format(nil, "/api/settings/secrets", nil, body)
end
