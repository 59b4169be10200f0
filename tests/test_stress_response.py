"""The stress-and-co-regulation model behaves as the physiology it teaches predicts."""

import math

import ipywidgets as w
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import stress_response as sr
from widgets.data import load_table


def run(**kw) -> sr.StressResponse:
    return sr.simulate(sr.StressSettings(**kw))


def test_calibration_window_comes_from_its_source():
    table = load_table(sr.PEAK_TABLE, {"minutes_after_stressor", "share_of_infants_peaking"})
    assert table.source.startswith("Goldberg et al. (2003)")
    assert sr.peak_window() == (20.0, 40.0)
    # half of the 27 infants peaked at each sample
    assert sum(float(r["share_of_infants_peaking"]) for r in table.rows) == pytest.approx(1.0)


@pytest.mark.parametrize("availability, responsiveness", [(0, 0), (0.5, 0.5), (1, 1), (1, 0)])
@pytest.mark.parametrize("strength", [0.2, 0.6, 1.0])
def test_cortisol_peaks_inside_the_published_window(strength, availability, responsiveness):
    lo, hi = sr.peak_window()
    result = run(strength=strength, availability=availability, responsiveness=responsiveness)
    assert lo <= result.peak_latency <= hi


def test_the_sympathetic_response_is_fast_and_cortisol_slow():
    result = run(onset=20, availability=0)
    fast_peak = result.minute[np.argmax(result.sympathetic)] - 20
    assert result.sympathetic[result.minute == 22][0] > 0.8 * result.sympathetic.max()
    assert fast_peak <= sr.STRESSOR_MINUTES
    assert result.peak_latency > 2 * fast_peak


def test_a_responsive_available_caregiver_lowers_and_shortens_the_response():
    alone = run(availability=0)
    buffered = run(availability=0.9, responsiveness=0.9)
    assert buffered.peak < alone.peak
    assert buffered.recovery_minutes() < alone.recovery_minutes()
    assert buffered.buffering_effect > 0.5 and alone.buffering_effect == 0
    # the fast response is the same: the caregiver acts on the slow arm in this model
    assert np.array_equal(buffered.sympathetic, alone.sympathetic)


def test_presence_without_responsiveness_buffers_only_a_little():
    absent, unresponsive, responsive = (
        run(availability=0),
        run(availability=1, responsiveness=0),
        run(availability=1, responsiveness=1),
    )
    assert absent.peak > unresponsive.peak > responsive.peak
    assert unresponsive.buffering_effect < 0.25 < responsive.buffering_effect


@settings(max_examples=30, deadline=None)
@given(st.floats(0.05, 1), st.floats(0, 0.95), st.floats(0, 1))
def test_more_responsiveness_never_raises_the_peak(strength, resp, avail):
    lower = run(strength=strength, availability=avail, responsiveness=resp)
    higher = run(strength=strength, availability=avail, responsiveness=min(1.0, resp + 0.05))
    assert higher.peak <= lower.peak + 1e-12


def test_repeated_stressors_without_recovery_accumulate_load():
    single = run(availability=0)
    spaced = run(availability=0, repeats=3, gap=180)
    crowded = run(availability=0, repeats=3, gap=20)
    assert crowded.peak > single.peak * 1.2
    assert spaced.peak == pytest.approx(single.peak, rel=0.02)
    # the same three stressors climb higher the less recovery time there is between them
    peaks = [run(availability=0, repeats=3, gap=g).peak for g in (20, 40, 60, 90, 120, 180)]
    assert all(a >= b for a, b in zip(peaks, peaks[1:], strict=False))
    assert "builds up" in sr.describe(crowded) and "mostly recovers" in sr.describe(spaced)


def test_no_stressor_means_baseline():
    result = run(strength=0)
    assert np.allclose(result.cortisol, 1) and np.allclose(result.sympathetic, 0)
    assert "baseline" in sr.describe(result)


def test_session_is_long_enough_to_see_recovery():
    result = run(repeats=5, gap=180, onset=120)
    assert result.minute[-1] >= result.settings.onsets[-1] + 150
    assert result.recovery_minutes() is not None


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0, 1),
    st.floats(0, 120),
    st.integers(1, 5),
    st.floats(10, 180),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_any_valid_settings_give_sane_curves(strength, onset, repeats, gap, avail, resp):
    result = run(
        strength=strength,
        onset=onset,
        repeats=repeats,
        gap=gap,
        availability=avail,
        responsiveness=resp,
    )
    assert np.all(result.cortisol >= 1 - 1e-12) and np.all(
        result.cortisol <= result.unbuffered + 1e-9
    )
    assert np.all((result.sympathetic >= 0) & (result.sympathetic <= 1))
    assert result.peak <= 1 + repeats * 1.0 + 1e-9  # never more than the stressors could add
    assert isinstance(sr.describe(result), str)


def test_same_settings_same_curves():
    a, b = run(repeats=3, gap=30), run(repeats=3, gap=30)
    assert np.array_equal(a.cortisol, b.cortisol) and np.array_equal(a.unbuffered, b.unbuffered)


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"strength": 1.5}, "strength"),
        ({"strength": math.nan}, "strength"),
        ({"strength": "high"}, "strength"),
        ({"onset": -5}, "onset"),
        ({"onset": math.inf}, "onset"),
        ({"repeats": 0}, "repeats"),
        ({"repeats": 2.5}, "repeats"),
        ({"repeats": True}, "repeats"),
        ({"gap": 5}, "gap"),
        ({"availability": -0.1}, "availability"),
        ({"responsiveness": None}, "responsiveness"),
        ({"availability": True}, "availability"),
    ],
)
def test_impossible_settings_are_refused_with_a_clear_message(kw, message):
    with pytest.raises(ValueError, match=message):
        sr.StressSettings(**kw)


def test_view_redraws_plot_and_reading_when_a_slider_moves():
    view = sr.explorer()
    before_peak, before_text = max(view.figure.data[3].y), view.reading.value
    view.responsiveness.value = 0.0
    assert max(view.figure.data[3].y) > before_peak
    assert view.reading.value != before_text
    assert len(view.figure.data[3].y) == len(view.figure.data[3].x) > 300
    assert all(isinstance(v, float) for v in view.figure.data[3].y[:5])  # plain lists


def test_view_draws_a_marker_per_stressor_and_keeps_the_axis_on_the_curve():
    view = sr.explorer()
    view.repeats.value = 4
    view.gap.value = 15
    markers = [x for x in view.figure.data[5].x if x is not None]
    assert len(markers) == 8  # two points per stressor line
    assert view.figure.figure.layout.yaxis2.range[1] >= max(view.figure.data[2].y)
    assert "builds up" in view.reading.value


def test_every_control_has_a_visible_name():
    view = sr.explorer()
    controls = [c for c in view.children if isinstance(c, w.FloatSlider)]
    assert len(controls) == 6
    assert all(c.description.strip() for c in controls)
    assert "course-simulation" in view._dom_classes


def test_a_redraw_sends_the_new_figure_to_the_page():
    view = sr.explorer()
    figure, before = view.figure, view.figure.plot
    view.responsiveness.value = 0.0
    assert view.figure is figure and view.figure.plot != before
    assert view.figure.plot["data"] == view.figure.figure.to_plotly_json()["data"]
