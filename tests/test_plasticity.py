"""The practice model: habits keep themselves going, and new experience shifts them gradually."""

import math

import ipywidgets as w
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import plasticity as pl


def run(**kw) -> pl.PracticeResult:
    return pl.simulate(pl.PracticeSettings(**kw))


def test_without_new_experience_the_balance_keeps_itself():
    result = run(safe_per_week=0, start_toward=0.3, weeks=104)
    assert np.allclose(result.toward, 0.3)
    assert "stays at 30%" in pl.describe(result)


@settings(max_examples=40, deadline=None)
@given(st.floats(0, pl.BIDS_PER_WEEK), st.floats(0.01, 0.99), st.integers(4, 156))
def test_practice_never_moves_the_balance_backwards(safe, start, weeks):
    toward = run(safe_per_week=safe, start_toward=start, weeks=weeks).toward
    assert np.all(np.diff(toward) >= -1e-12)
    assert np.all((toward >= 0) & (toward <= 1))


@settings(max_examples=40, deadline=None)
@given(st.floats(0, pl.BIDS_PER_WEEK - 0.5), st.floats(0.05, 0.95))
def test_more_practice_shifts_the_balance_further(safe, start):
    less = run(safe_per_week=safe, start_toward=start)
    more = run(safe_per_week=safe + 0.5, start_toward=start)
    assert more.toward[-1] > less.toward[-1]


@pytest.mark.parametrize("safe", [0.5, 1, 2, 4, 7])
def test_change_is_gradual_not_sudden(safe):
    result = run(safe_per_week=safe, start_toward=0.2, weeks=52)
    steps = np.diff(result.toward)
    assert steps.max() < 0.05  # no week moves the balance by 5 points or more
    assert result.change > 0
    assert result.toward[-1] < 1


def test_halfway_comes_sooner_with_more_practice():
    weeks = [run(safe_per_week=k, weeks=156).halfway_week() for k in (1, 2, 4, 7)]
    assert all(isinstance(x, int) for x in weeks)
    assert weeks == sorted(weeks, reverse=True) and weeks[0] > weeks[-1]
    assert run(safe_per_week=0.5, weeks=52).halfway_week() is None


def test_each_weeks_bids_add_up():
    result = run(safe_per_week=2.5)
    total = result.from_habit + result.from_practice + result.away
    assert np.allclose(total, pl.BIDS_PER_WEEK)
    assert np.allclose(result.from_habit, (pl.BIDS_PER_WEEK - 2.5) * result.toward)


def test_the_simulated_path_is_reproducible_noisy_and_goes_the_same_way():
    a, b = run(safe_per_week=3, path_seed=7), run(safe_per_week=3, path_seed=7)
    assert np.array_equal(a.path, b.path)
    assert not np.array_equal(a.path, a.toward)
    assert np.any(np.diff(a.path) < 0)  # setbacks happen
    assert a.path[-1] > a.path[0] + 0.2  # but the drift is upward
    assert run(safe_per_week=3).path is None


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"safe_per_week": -1}, "safe_per_week"),
        ({"safe_per_week": pl.BIDS_PER_WEEK + 1}, "safe_per_week"),
        ({"safe_per_week": math.nan}, "safe_per_week"),
        ({"safe_per_week": "often"}, "safe_per_week"),
        ({"start_toward": 0}, "start_toward"),
        ({"start_toward": 1.2}, "start_toward"),
        ({"weeks": 2}, "weeks"),
        ({"weeks": 52.5}, "weeks"),
        ({"weeks": True}, "weeks"),
        ({"path_seed": -3}, "path_seed"),
        ({"path_seed": 1.5}, "path_seed"),
    ],
)
def test_impossible_settings_are_refused_with_a_clear_message(kw, message):
    with pytest.raises(ValueError, match=message):
        pl.PracticeSettings(**kw)


def test_the_reading_says_how_far_and_how_fast():
    text = pl.describe(run(safe_per_week=4, start_toward=0.2, weeks=52))
    assert "from 20% to" in text and "by week" in text
    assert "change is slow" in pl.describe(run(safe_per_week=0.5, weeks=52))
    assert "wanders by chance" in pl.describe(run(safe_per_week=0, path_seed=1))


def test_view_redraws_plot_and_reading_when_a_slider_moves():
    view = pl.explorer()
    before_end, before_text = view.figure.data[0].y[-1], view.reading.value
    view.safe.value = 5
    assert view.figure.data[0].y[-1] > before_end
    assert view.reading.value != before_text
    view.weeks.value = 100
    assert len(view.figure.data[0].x) == len(view.figure.data[2].y) == 101
    assert all(isinstance(v, float) for v in view.figure.data[0].y[:5])  # plain lists


def test_view_hides_the_simulated_path_when_asked():
    view = pl.explorer()
    assert view.figure.data[1].visible is True and len(view.figure.data[1].y) > 0
    view.show_path.value = False
    assert view.figure.data[1].visible is False
    assert "simulated person" not in view.reading.value


def test_every_control_has_a_visible_name():
    view = pl.explorer()
    controls = [c for c in view.children if isinstance(c, (w.FloatSlider, w.Checkbox))]
    assert len(controls) == 4
    assert all(c.description.strip() for c in controls)
    assert "course-simulation" in view._dom_classes


def test_a_redraw_sends_the_new_figure_to_the_page():
    view = pl.explorer()
    figure, before = view.figure, view.figure.plot
    view.safe.value = 6
    assert view.figure is figure and view.figure.plot != before
    assert view.figure.plot["data"] == view.figure.figure.to_plotly_json()["data"]
