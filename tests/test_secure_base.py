"""The secure-base explorer behaves as the theory it teaches predicts."""

import math

import ipywidgets as w
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import secure_base as sb


def run(**kw) -> sb.Session:
    return sb.simulate(sb.ExplorerSettings(**kw))


def proximity(session: sb.Session) -> float:
    return session.shares[sb.RETURNING] + session.shares[sb.CONTACT]


def test_less_available_caregiver_means_less_exploring_more_proximity_seeking():
    available, distant = run(availability=0.9), run(availability=0.2)
    assert available.shares[sb.EXPLORING] > distant.shares[sb.EXPLORING] + 0.1
    assert proximity(distant) > proximity(available) + 0.1


def test_less_sensitive_caregiver_means_longer_stays_at_base():
    assert run(sensitivity=0.1).shares[sb.CONTACT] > run(sensitivity=0.9).shares[sb.CONTACT]


def test_a_stranger_sends_the_child_back_to_base():
    calm, alarmed = run(minutes=20), run(minutes=20, stranger_minute=6)
    back = alarmed.back_at_base_after(6)
    assert back is not None and back < 3
    window = (alarmed.minute >= 6) & (alarmed.minute < 9)
    assert alarmed.distance[window].mean() < calm.distance[window].mean()
    assert alarmed.security[window].min() < calm.security[window].min()


def test_fatigue_crowds_out_exploring_late_in_a_long_session():
    s = run(minutes=60)
    first, last = s.mode[: len(s.mode) // 3], s.mode[-len(s.mode) // 3 :]
    assert np.mean(last == sb.EXPLORING) < np.mean(first == sb.EXPLORING)


def test_a_higher_threshold_means_more_trips_back():
    assert run(threshold=0.7).returns > run(threshold=0.2).returns


def test_same_settings_same_session():
    a, b = run(stranger_minute=5), run(stranger_minute=5)
    assert np.array_equal(a.distance, b.distance) and np.array_equal(a.security, b.security)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"availability": 1.5}, "availability"),
        ({"sensitivity": -0.1}, "sensitivity"),
        ({"threshold": math.nan}, "threshold"),
        ({"availability": "high"}, "availability"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": math.inf}, "minutes"),
        ({"minutes": 10, "stranger_minute": 11}, "stranger_minute"),
        ({"stranger_minute": -1}, "stranger_minute"),
    ],
)
def test_impossible_settings_are_refused_with_a_clear_message(kw, message):
    with pytest.raises(ValueError, match=message):
        sb.ExplorerSettings(**kw)


unit = st.floats(0, 1, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(unit, unit, unit, st.floats(1, 60), st.one_of(st.none(), st.floats(0, 1)))
def test_any_valid_settings_stay_within_bounds(avail, sens, thresh, minutes, stranger_frac):
    stranger = None if stranger_frac is None else stranger_frac * minutes
    s = run(
        availability=avail,
        sensitivity=sens,
        threshold=thresh,
        minutes=minutes,
        stranger_minute=stranger,
    )
    assert np.all((s.security >= 0) & (s.security <= 1))
    assert np.all((s.distance >= 0) & (s.distance <= sb.MAX_RANGE))
    assert math.isclose(sum(s.shares.values()), 1.0)
    assert set(np.unique(s.mode)) <= set(sb.MODES)


def test_the_reading_says_what_happened():
    text = sb.describe(run(availability=0.9, stranger_minute=8))
    assert "explored for" in text and "stranger" in text
    assert "A secure base at work" in text
    assert "crowds out exploring" in sb.describe(run(availability=0.05, sensitivity=0.05))


def test_view_redraws_plot_and_reading_when_a_slider_moves():
    view = sb.explorer()
    before_bar, before_text = view.figure.data[5].x, view.reading.value
    view.availability.value = 0.1
    assert view.figure.data[5].x != before_bar
    assert view.reading.value != before_text
    assert len(view.figure.data[0].y) == len(view.figure.data[0].x) > 100


def test_share_legend_names_every_share_and_follows_a_redraw():
    """Narrow shares lose their in-bar label (uniformtext hides it), so the legend carries them."""
    view = sb.explorer()
    view.availability.value = 0.2
    shares = sb.simulate(view.settings()).shares
    sent = view.figure.plot  # what the browser draws
    legend = [t for t in sent["data"] if t.get("showlegend") is not False]
    assert [t["type"] for t in legend] == ["bar"] * len(sb.MODES)
    assert [t["name"] for t in legend] == [f"{m} {shares[m]:.0%}" for m in sb.MODES]
    assert sent["layout"]["uniformtext"]["mode"] == "hide"


def test_view_hides_the_stranger_marker_when_no_stranger():
    view = sb.explorer()
    assert view.figure.data[3].visible is True
    view.stranger.value = False
    assert view.figure.data[3].visible is False and "stranger" not in view.reading.value


def test_view_keeps_the_stranger_inside_a_shortened_session():
    view = sb.explorer()
    view.stranger_minute.value = 50
    view.minutes.value = 10
    assert view.settings().stranger_minute == 10


def test_every_control_has_a_visible_name():
    view = sb.explorer()
    controls = [c for c in view.children if isinstance(c, (w.FloatSlider, w.Checkbox))]
    assert len(controls) == 6
    assert all(c.description.strip() for c in controls)
