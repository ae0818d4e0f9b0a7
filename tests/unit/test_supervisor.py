"""How the supervisor treats a child that dies: restart with backoff, give up when it keeps
dying (five times in a minute)."""

from bot.supervisor import MAX_CRASHES, RESTART_DELAYS, Child


def test_restarts_back_off_then_give_up_within_a_minute():
    child = Child("action server", ["true"], {})
    delays = [child.crashed(t) for t in (0.0, 5.0, 10.0, 15.0)]
    assert delays == list(RESTART_DELAYS[:4])
    assert child.crashed(20.0) is None, "five crashes in a minute stop the whole"


def test_crashes_spread_out_over_time_never_give_up():
    child = Child("Rasa server", ["true"], {})
    for i in range(3 * MAX_CRASHES):
        assert child.crashed(i * 30.0) is not None
