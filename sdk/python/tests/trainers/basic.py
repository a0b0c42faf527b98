"""A trainer for the tests: its behaviour is named by argv[1]."""
import math
import os
import signal
import sys
import time

import sweep_trial

behaviour = sys.argv[1]
trial = sweep_trial.init(backend="test")
if behaviour == "params":
    print(repr(trial.params))
    trial.log(0, 1.0)
    trial.finish()
elif behaviour == "full":
    trial.log(0, 2.5, test_loss=2.75, accuracy=0.125, sharpness=3.5, grad_norm=float("inf"),
              weight_movement=[0.5, float("nan")], coord=[1.0, 2.0], my_metric=0.25, other=float("nan"))
    trial.log(10, 1.25, test_loss=1.5)
    trial.finish()
elif behaviour == "nonfinite":
    trial.log(0, 1.0)
    trial.log(5, float("nan"))
    print("after divergence", flush=True)  # never reached: log() ended the trial
elif behaviour == "diverged":
    trial.log(0, 1.0)
    trial.diverged(7, "bound")
elif behaviour == "fail":
    trial.fail("data shard missing")
elif behaviour == "count":
    n = int(sys.argv[2])
    for s in range(n):
        trial.log(s, 1.0 / (1 + s), step_time=0.001 * s)
        if len(sys.argv) > 3:
            time.sleep(float(sys.argv[3]))
    trial.finish()
elif behaviour == "sigterm-self":
    # messages in flight when the signal arrives must all be delivered before exit 143
    n = int(sys.argv[2])
    for s in range(n):
        trial.log(s, 1.0 / (1 + s))
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)
    print("still running", flush=True)
elif behaviour == "sigterm-wait":
    for s in range(3):
        trial.log(s, 1.0)
    print("ready", flush=True)
    time.sleep(60)
elif behaviour == "modules":
    trial.log(0, 1.0)
    trial.finish()
    print(" ".join(sorted(m for m in sys.modules if m == "nats" or m.startswith("nats.") or m == "jax")))
