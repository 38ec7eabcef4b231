-- What a browser following a link from a newsletter's web page sends. done() prints one machine-readable line
-- for bench/run.sh: requests, requests/s, p50 ms, p99 ms, errors.
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
wrk.headers["Referer"] = "https://news.example.org/2026/11/spring-collection?utm_source=rss"
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
wrk.headers["Accept-Language"] = "en-GB,en;q=0.9"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br, zstd"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %.0f %.3f %.3f %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
