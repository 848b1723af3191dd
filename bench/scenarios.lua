-- wrk script: one scenario per run, chosen by the SCENARIO variable (see bench/cache.py).
-- Paths, ids and the token come from files the benchmark writes beforehand.
local scenario = os.getenv("SCENARIO")
local token = os.getenv("BENCH_TOKEN")
local lines = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do lines[#lines + 1] = line end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

local counter = 0
request = function()
  counter = counter + 1
  local path = lines[math.random(#lines)]
  if scenario == "write" then
    local body = string.format('{"price": "%d.%02d"}', math.random(1, 999), counter % 100)
    return wrk.format("PATCH", path, {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Token " .. token,
      ["Accept"] = "application/json",
    }, body)
  end
  if scenario == "detail-auth" then
    return wrk.format("GET", path, {
      ["Authorization"] = "Token " .. token,
      ["Accept"] = "application/json",
    })
  end
  return wrk.format("GET", path, { ["Accept"] = "application/json" })
end
