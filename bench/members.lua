-- Many members on one board (make bench, the "50 members" path): each request carries the
-- session cookie of the next member in turn, so every answer is one rendered, or kept, for that
-- member alone. BENCH_COOKIES names a file with one `Cookie:` value a line (bench/run.py writes
-- it). The report is report.lua's.
local folder = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
dofile(folder .. "report.lua")

local file = assert(os.getenv("BENCH_COOKIES"), "BENCH_COOKIES is not set")
local cookies = {}
for line in io.lines(file) do
  if line ~= "" then cookies[#cookies + 1] = line end
end
assert(#cookies > 0, "BENCH_COOKIES names an empty file")

local turn = 0
request = function()
  turn = turn % #cookies + 1
  wrk.headers["Cookie"] = cookies[turn]
  return wrk.format()
end
