-- The poll of an open board that follows the draft (make bench in live mode): it sends the
-- version it shows (`v=` in the URL it was started with, the board's version then), is
-- answered 204 while nothing changed and, after a pick, with the board, whose version
-- (`data-version`) it shows from then on, as static/js/live.js does. The answers must come
-- uncompressed (Accept-Encoding: identity): wrk's Lua cannot inflate gzip. The report is
-- report.lua's.
local folder = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
dofile(folder .. "report.lua")

local shown = tonumber(wrk.path:match("[?&]v=(%d+)"))
assert(shown, "the URL has no v=<version>")

request = function()
  local path = wrk.path:gsub("([?&]v=)%d+", "%1" .. shown, 1)
  return wrk.format(nil, path)
end

response = function(status, headers, body)
  if status == 200 then
    local version = tonumber(body:match('data%-version="(%d+)"'))
    if version and version > shown then shown = version end
  end
end
