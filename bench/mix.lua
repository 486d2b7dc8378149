-- wrk script: every request takes a path drawn at random from the mix's file (one path a line).
local paths = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() * 1000 + id)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], { ["Accept-Encoding"] = "gzip" })
end
