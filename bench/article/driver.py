# Times the article's handler like bench/edge-cold-start.ts times ours: from
# importing the handler module to its first decision, in a fresh process.
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
t0 = time.perf_counter()
import lambda_handler  # noqa: E402  (the import is what is timed)
t1 = time.perf_counter()
result = lambda_handler.lambda_handler(json.loads(os.environ["BENCH_EVENT"]), None)
t2 = time.perf_counter()
sys.stdout.write(json.dumps({"importMs": (t1 - t0) * 1000, "firstDecisionMs": (t2 - t1) * 1000, "status": result.get("status", "200")}))
