-- wrk script for bench/proxy/ab.sh: one line of latency percentiles (ms) at the end of a run.
done = function(summary, latency, requests)
  local s = ""
  for _, p in ipairs({50, 75, 90, 95, 98, 99, 99.9}) do
    s = s .. string.format(" p%s=%.2f", p, latency:percentile(p) / 1000)
  end
  io.write(string.format("rps=%.0f%s max=%.2f mean=%.2f\n",
    summary.requests / (summary.duration / 1e6), s, latency.max / 1000, latency.mean / 1000))
end
