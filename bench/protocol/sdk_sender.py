"""The SDK side of bench/protocol-throughput.ts: N metric points of one trial through
sweep_trial (the launch in $SWEEP_LAUNCH picks pipe or JetStream), then `finished`. Prints the
seconds from the first log() to the end of finish() (every message written or acknowledged)."""
import json
import sys
import time

import sweep_trial

n = int(sys.argv[1])
trial = sweep_trial.init(backend="bench")
t0 = time.perf_counter()
for s in range(n):
    trial.log(s * 10, 1 / (1 + s), test_loss=1.1 / (1 + s), grad_norm=0.5)
trial.finish()
print(json.dumps({"seconds": time.perf_counter() - t0, "messages": n + 1}))
