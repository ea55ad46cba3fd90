"""Real-provider throughput against local servers (issue 8, item 7).

1. Web pages: 2,000 pages from a local server that answers each request after 100 ms. Fetch-only
   throughput of the direct web fetcher at concurrency 32, as a fraction of the bound
   ``concurrency / latency`` (320 pages/s); and pages per second through content scraping's page scraper
   (fetch + trafilatura extraction) at the same concurrency.
2. SERPs: 3,000 SERPs from a local DataForSEO-like server whose live endpoint answers after 200 ms and
   whose queue makes a task ready one poll after it was posted: calls made and wall time, live mode at
   concurrency 8 against the standard queue.

The servers run in a separate process (this machine has two cores; a server in the measuring process
would compete with the client for the GIL). Usage: .venv/bin/python benchmarks/provider_benchmark.py
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cylvy_pipeline.phases.content_scraping import scrape_page  # noqa: E402
from cylvy_pipeline.phases.serp_collection import collect_serps  # noqa: E402
from cylvy_pipeline.providers.http import AddressGuard, HttpPolicy, ProviderHttp  # noqa: E402
from cylvy_pipeline.providers.real.dataforseo import DataForSeoClient, DataForSeoSerp, MarketLocation  # noqa: E402
from cylvy_pipeline.providers.real.web import HttpWebFetcher  # noqa: E402

PAGE = (
    "<html><head><title>Payment hubs explained | Banking Gazette</title></head><body><main><article>"
    "<h1>Payment hubs explained</h1>"
    + "<p>A payment hub routes every payment through one place, so operations teams see every exception "
      "and can repair it before the cut-off time.</p>" * 12
    + "</article></main></body></html>"
).encode()


def _serve(port_queue: multiprocessing.Queue, page_delay_s: float, live_delay_s: float) -> None:
    posted: dict[str, dict] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _send(self, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, tasks: list[dict], cost: float = 0.0) -> None:
            self._send(json.dumps({"status_code": 20000, "cost": cost, "tasks": tasks}).encode())

        def _items(self, keyword: str) -> list[dict]:
            return [{"type": "organic", "rank_group": i, "domain": f"site{i}.example", "title": keyword,
                     "url": f"https://site{i}.example/{keyword.replace(' ', '-')}"} for i in range(1, 11)]

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/page/"):
                time.sleep(page_delay_s)
                return self._send(PAGE, "text/html; charset=utf-8")
            if self.path.endswith("/tasks_ready"):
                ready = [{"id": task_id} for task_id in list(posted)]
                return self._json([{"id": "ready", "status_code": 20000, "result": ready}])
            task_id = self.path.rsplit("/", 1)[-1]
            body = posted.pop(task_id)
            return self._json([{"id": task_id, "status_code": 20000,
                                "result": [{"items": self._items(body["keyword"])}]}])

        def do_POST(self) -> None:  # noqa: N802
            tasks = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path.endswith("/task_post"):
                answers = []
                for body in tasks:
                    task_id = f"t{len(posted)}-{time.monotonic_ns()}"
                    posted[task_id] = body
                    answers.append({"id": task_id, "status_code": 20100, "cost": 0.0006})
                return self._json(answers, cost=0.0006 * len(answers))
            time.sleep(live_delay_s)  # live/advanced
            return self._json([{"id": "live", "status_code": 20000, "cost": 0.002,
                                "result": [{"items": self._items(tasks[0]["keyword"])}]}], cost=0.002)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    port_queue.put(server.server_port)
    server.serve_forever()


def bench_pages(base: str, pages: int, concurrency: int, latency_s: float) -> dict:
    calls = Counter()
    http = ProviderHttp("web", policy=HttpPolicy(timeout_s=10, attempts=2), guard=AddressGuard.allowing(["127.0.0.1/32"]),
                        usage=lambda call: calls.update([call.status]))
    web = HttpWebFetcher(http, max_per_host=concurrency)
    urls = [f"{base}/page/{i}" for i in range(pages)]
    with ThreadPoolExecutor(concurrency) as pool:
        started = time.perf_counter()
        fetched = list(pool.map(web.fetch, urls))
        fetch_s = time.perf_counter() - started
        now = datetime.now(UTC)
        started = time.perf_counter()
        scraped = list(pool.map(lambda url: scrape_page(url, url, web, now=now, retry_delay_s=0), urls))
        scrape_s = time.perf_counter() - started
    http.close()
    assert all(page.status_code == 200 for page in fetched) and all(row["status"] == "scraped" for row in scraped)
    bound = concurrency / latency_s
    return {"pages": pages, "concurrency": concurrency, "latency_ms": latency_s * 1000,
            "fetch_pages_per_s": pages / fetch_s, "fetch_fraction_of_bound": pages / fetch_s / bound,
            "scrape_pages_per_s": pages / scrape_s, "calls": dict(calls)}


def bench_serps(base: str, serps: int, mode: str, concurrency: int) -> dict:
    calls = Counter()
    http = ProviderHttp("DataForSEO", policy=HttpPolicy(timeout_s=30), auth=("login", "password"),
                        usage=lambda call: calls.update([call.endpoint.rsplit("/", 1)[-1] if "task_get" not in call.endpoint
                                                         else "task_get"]))
    client = DataForSeoClient(http, base_url=base, locations={"US": MarketLocation(2840, "en")})
    serp = DataForSeoSerp(client, mode=mode, poll_interval_s=0.5, concurrency=concurrency)
    import pandas as pd

    metrics = pd.DataFrame({"keyword": [f"keyword {i}" for i in range(serps)],
                            "search_volume": pd.array([100] * serps, dtype="Int64")})
    started = time.perf_counter()
    output = collect_serps(metrics, "US", ["organic"], 10, serp, default_search_volume=10,
                           max_concurrency=concurrency, retry_delay_s=0)
    elapsed = time.perf_counter() - started
    http.close()
    assert len(output.tables["serp_results"]) == serps * 10
    return {"serps": serps, "mode": mode, "concurrency": concurrency, "wall_s": elapsed, "calls": dict(calls),
            "total_calls": sum(calls.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--serps", type=int, default=3000)
    args = parser.parse_args()
    ports: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(ports, 0.1, 0.2), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{ports.get(timeout=10)}"
    try:
        print(json.dumps(bench_pages(base, args.pages, 32, 0.1)))
        print(json.dumps(bench_serps(base, args.serps, "queue", 8)))
        print(json.dumps(bench_serps(base, args.serps, "live", 8)))
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
