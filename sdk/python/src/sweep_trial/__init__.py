"""Run your own trainer as a trial of a sweep (trial protocol v1, docs/trainer-protocol.md).

    import sweep_trial
    trial = sweep_trial.init()          # reads $SWEEP_LAUNCH, sends `started`
    width = trial.params["width"]
    ...
    trial.log(step, train_loss=loss, test_loss=test, my_metric=value)
    trial.finish()                      # or trial.diverged(step), trial.fail(error)
"""
from .launch import LAUNCH_ENV, PROTOCOL, Launch, LaunchError, parse_launch, read_launch
from .messages import message_id
from .trial import EXIT_INVALID_LAUNCH, EXIT_TERMINATED, Trial, TrialEnded, init

__all__ = [
    "EXIT_INVALID_LAUNCH", "EXIT_TERMINATED", "LAUNCH_ENV", "PROTOCOL", "Launch", "LaunchError", "Trial",
    "TrialEnded", "init", "message_id", "parse_launch", "read_launch",
]
__version__ = "0.1.0"
