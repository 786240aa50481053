-- wrk script: sign in (POST /v1/sessions) over and over, counting answers by
-- HTTP status so that the caller can report every non-2xx one (wrk's own
-- counter skips 3xx and 1xx).
--
--   wrk -s tools/bench/lua/signin.lua http://127.0.0.1:8080
--
-- SB_BENCH_LOGIN / SB_BENCH_PASSWORD choose the account (default: Alice, the
-- demo subscriber). Only FAILED sign-ins are throttled by the gateway, so a
-- stream of good ones measures the sign-in path itself: mostly Argon2id.

local login = os.getenv("SB_BENCH_LOGIN") or "0222969569"
local password = os.getenv("SB_BENCH_PASSWORD") or "Alice!Portal42"

-- JSON string escaping for the few characters a password may hold that JSON
-- does not accept as they are.
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

wrk.method = "POST"
wrk.path = "/v1/sessions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login":' .. json_string(login) .. ',"password":' .. json_string(password) .. '}'

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}  -- global: read from the main state through thread:get
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

-- One "status CODE COUNT" line per status seen, for tools/bench/portal.
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do
      total[code] = (total[code] or 0) + n
    end
  end
  local codes = {}
  for code in pairs(total) do table.insert(codes, code) end
  table.sort(codes)
  for _, code in ipairs(codes) do
    io.write(string.format("status %d %d\n", code, total[code]))
  end
end
