-- scripts/bench: POST /album with a key no other request of the benchmark uses: the run's label
-- (wrk's first argument after `--`), wrk's thread number and a per-thread counter. wrk's own
-- "Non-2xx or 3xx responses" line counts the failures (a response() callback would slow wrk).
--   wrk -t2 -c16 -d10s --latency -s post_album.lua http://127.0.0.1:PORT/album -- LABEL [KEYS]
-- With KEYS, each thread cycles over KEYS albums (overwriting them), so the store stays bounded.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
local run = "run"
local keys = nil
local headers = {["Content-Type"] = "application/json"}

function init(args)
  if args[1] then run = args[1] end
  if args[2] then keys = tonumber(args[2]) end
end

function request()
  counter = counter + 1
  if keys and counter > keys then counter = 1 end
  local body = string.format(
    '{"artist":"bench %s artist %d","album":"album %d","tracks":[{"title":"Pull Me Under","length":"8:14"},{"title":"Another Day","length":"4:23"}]}',
    run, tid, counter)
  return wrk.format("POST", nil, headers, body)
end
