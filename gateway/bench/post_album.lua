-- wrk script: POST /album with a unique key per request (thread id + counter).
local counter = 0
local tid = 0
local threads = {}

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
end

function init(args)
  counter = 0
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"artist":"bench artist %d","album":"album %d","tracks":[{"title":"Pull Me Under","length":"8:14"},{"title":"Another Day","length":"4:23"}]}',
    tid, counter)
  return wrk.format("POST", "/album", {["Content-Type"] = "application/json"}, body)
end

local bad = 0
response = function(status, headers, body)
  if status ~= 204 then bad = bad + 1 end
end
