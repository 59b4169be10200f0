"""The pursue/withdraw cycle behaves as the research it teaches describes."""

import math
from dataclasses import replace

import ipywidgets as w
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import pursue_withdraw as pw

HIGH_HIGH = pw.CycleSettings(pw.Partner(0.8, 0.8), pw.Partner(0.8, 0.8))
ANXIOUS_AVOIDANT = pw.CycleSettings(pw.Partner(0.8, 0.2), pw.Partner(0.2, 0.8))
SECURE = pw.CycleSettings(pw.Partner(0.2, 0.2), pw.Partner(0.2, 0.2))


def peak(s: pw.CycleSettings) -> float:
    return max(pw.simulate(s).peak)


def test_high_anxiety_and_avoidance_without_levers_escalates():
    conv = pw.simulate(HIGH_HIGH)
    assert conv.outcome == pw.ESCALATES
    assert max(conv.peak) > 0.75 and min(conv.end) > pw.ESCALATED
    assert conv.distress[:, -1].min() > pw.TRIGGER  # it ends worse than it started


def test_an_anxious_avoidant_pairing_escalates_with_one_pursuing_and_one_withdrawing():
    conv = pw.simulate(ANXIOUS_AVOIDANT)
    assert conv.outcome == pw.ESCALATES
    assert conv.stance(0) == "pursued" and conv.stance(1) == "withdrew"
    # distress rises together: each partner's fear feeds the other's
    assert conv.distress[0, -1] > pw.TRIGGER and conv.distress[1, -1] > pw.TRIGGER


def test_two_partners_low_on_both_dimensions_settle_without_levers():
    conv = pw.simulate(SECURE)
    assert conv.outcome == pw.SETTLES
    assert max(conv.peak) == pytest.approx(pw.TRIGGER)


@pytest.mark.parametrize("couple", [HIGH_HIGH, ANXIOUS_AVOIDANT], ids=["high-high", "anx-avo"])
@pytest.mark.parametrize("lever", pw.LEVERS)
def test_each_lever_lowers_peak_distress(couple, lever):
    assert peak(replace(couple, **{lever: True})) < peak(couple) - 0.05


def test_slowing_down_and_reassurance_together_settle_the_anxious_avoidant_conversation():
    assert pw.simulate(replace(ANXIOUS_AVOIDANT, slow_down=True)).outcome != pw.SETTLES
    both = pw.simulate(replace(ANXIOUS_AVOIDANT, slow_down=True, reassurance=True))
    assert both.outcome == pw.SETTLES


def test_a_pause_stops_the_exchange_and_lets_distress_fall():
    conv = pw.simulate(replace(HIGH_HIGH, pause=True))
    assert conv.paused.any()
    start = int(np.argmax(conv.paused))
    length = int(round(pw.PAUSE_MINUTES / pw.STEP_MIN))
    during = conv.distress[:, start : start + length]
    assert np.all(np.diff(during, axis=1) <= 1e-12)  # no one's distress rises in a pause
    assert np.all(conv.move[:, conv.paused] == 0)


def test_repair_attempts_happen_when_distress_rises_and_lower_it():
    conv = pw.simulate(replace(HIGH_HIGH, repair=True))
    assert conv.repairs and conv.repairs[0] > 0
    i = int(round(conv.repairs[0] / pw.STEP_MIN))
    assert conv.distress[:, i].max() < conv.distress[:, i - 1].max()


@pytest.mark.parametrize("levers", [(), ("pause",), ("repair",), pw.LEVERS])
def test_symmetric_parameters_give_exactly_symmetric_outcomes(levers):
    s = replace(
        pw.CycleSettings(pw.Partner(0.7, 0.4), pw.Partner(0.7, 0.4)), **{k: True for k in levers}
    )
    conv = pw.simulate(s)
    assert np.array_equal(conv.distress[0], conv.distress[1])
    assert np.array_equal(conv.move[0], conv.move[1])


@settings(max_examples=30, deadline=None)
@given(
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 1),
    st.sampled_from([(), ("slow_down",), ("reassurance", "pause"), ("repair",), pw.LEVERS]),
)
def test_swapping_the_partners_swaps_the_traces_exactly(a1, a2, b1, b2, levers):
    s = replace(
        pw.CycleSettings(pw.Partner(a1, a2), pw.Partner(b1, b2)), **{k: True for k in levers}
    )
    one, other = pw.simulate(s), pw.simulate(s.swapped())
    assert np.array_equal(one.distress, other.distress[::-1])
    assert np.array_equal(one.move, other.move[::-1])
    assert np.array_equal(one.paused, other.paused) and one.repairs == other.repairs
    assert np.all((one.distress >= 0) & (one.distress <= 1))


def test_same_settings_same_conversation():
    a, b = pw.simulate(ANXIOUS_AVOIDANT), pw.simulate(ANXIOUS_AVOIDANT)
    assert np.array_equal(a.distress, b.distress) and a.repairs == b.repairs


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: pw.Partner(1.5, 0.2), "anxiety"),
        (lambda: pw.Partner(0.2, -0.1), "avoidance"),
        (lambda: pw.Partner(math.nan, 0.2), "anxiety"),
        (lambda: pw.Partner("high", 0.2), "anxiety"),
        (lambda: pw.Partner(True, 0.2), "anxiety"),
        (lambda: pw.CycleSettings(a=(0.5, 0.5)), "a must be a Partner"),
        (lambda: pw.CycleSettings(pause="yes"), "pause"),
        (lambda: pw.CycleSettings(minutes=2), "minutes"),
        (lambda: pw.CycleSettings(minutes=math.inf), "minutes"),
    ],
)
def test_impossible_settings_are_refused_with_a_clear_message(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_the_reading_names_who_pursued_and_which_lever_mattered():
    text = pw.describe(pw.simulate(ANXIOUS_AVOIDANT))
    assert "escalated" in text and "Partner A pursued" in text and "villain" in text
    assert "Switch on a lever" in text
    text = pw.describe(pw.simulate(replace(ANXIOUS_AVOIDANT, pause=True, slow_down=True)))
    assert "slowing down made the biggest difference" in text
    assert "Without the levers it would have escalated" in text


def test_lever_effects_compare_each_lever_alone_with_none():
    effects = pw.lever_effects(replace(HIGH_HIGH, pause=True, repair=True))
    assert set(effects) == {"none", "pause", "repair"}
    assert effects["pause"] < effects["none"] and effects["repair"] < effects["none"]


def test_view_redraws_plot_and_reading_when_a_control_changes():
    view = pw.cycle()
    before_y, before_text = list(view.figure.data[0].y), view.reading.value
    view.b_avoidance.value = 0.1
    assert list(view.figure.data[0].y) != before_y and view.reading.value != before_text
    view.pause.value = True
    assert view.figure.data[2].visible is False or any(view.figure.data[2].y)
    view.a_anxiety.value, view.b_avoidance.value = 0.9, 0.9
    assert view.figure.data[2].visible is True
    assert "pause" in view.reading.value
    assert all(isinstance(v, float) for v in view.figure.data[0].y)


def test_view_marks_repair_attempts():
    view = pw.cycle()
    assert view.figure.data[3].visible is False
    view.repair.value = True
    assert view.figure.data[3].visible is True and list(view.figure.data[3].text)


def test_every_control_has_a_visible_name():
    view = pw.cycle()
    controls = [c for c in view.children if isinstance(c, (w.FloatSlider, w.Checkbox))]
    assert len(controls) == 8
    assert all(c.description.strip() for c in controls)
