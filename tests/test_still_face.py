"""The Still Face models behave as the research they teach describes, and fail clearly."""

import math

import ipywidgets as w
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import still_face as sf

PA, GAZE, NA = sf.MEASURES


def run(**kw) -> sf.StillFaceRun:
    return sf.simulate(sf.StillFaceSettings(**kw))


DEFAULT = run()


# --- the three phases ----------------------------------------------------------------------------


def test_still_face_lowers_positive_affect_and_gaze_and_raises_negative_affect():
    assert DEFAULT.mean(PA, sf.STILL) < 0.5 * DEFAULT.mean(PA, sf.PLAY)
    assert DEFAULT.mean(GAZE, sf.STILL) < DEFAULT.mean(GAZE, sf.PLAY) - 0.2
    assert DEFAULT.mean(NA, sf.STILL) > DEFAULT.mean(NA, sf.PLAY) + 0.2


def test_reunion_recovers_only_partly_with_carry_over():
    for measure in (PA, GAZE):
        play, still, back = (DEFAULT.mean(measure, p) for p in sf.PHASES)
        assert still < back < play, measure
    play, still, back = (DEFAULT.mean(NA, p) for p in sf.PHASES)
    assert play < back < still
    # partial: the reunion differs from play less than the still face does
    for measure in (PA, NA):
        assert (
            0
            < abs(DEFAULT.effect_size(measure, sf.REUNION))
            < abs(DEFAULT.effect_size(measure, sf.STILL))
        )


def test_faster_repair_means_faster_recovery():
    times = [run(repair_seconds=t).recovery_seconds() for t in (1, 10, 30)]
    assert None not in times and times[0] < times[1] < times[2]
    assert run(repair_seconds=120).recovery_seconds() is None
    reunion = [run(repair_seconds=t).mean(PA, sf.REUNION) for t in (1, 10, 30, 60)]
    assert reunion == sorted(reunion, reverse=True)
    distress = [run(repair_seconds=t).mean(NA, sf.REUNION) for t in (1, 10, 30, 60)]
    assert distress == sorted(distress)


def test_repair_time_changes_only_the_reunion():
    fast, slow = run(repair_seconds=5), run(repair_seconds=45)
    before = fast.phase != sf.REUNION
    for measure in sf.MEASURES:
        assert np.array_equal(fast.curves[measure][before], slow.curves[measure][before])
    assert slow.mean(PA, sf.REUNION) < fast.mean(PA, sf.REUNION)


def test_better_self_regulation_means_less_distress_and_quicker_recovery():
    low, high = run(self_regulation=0.1), run(self_regulation=0.9)
    assert high.mean(NA, sf.STILL) < low.mean(NA, sf.STILL)
    assert high.recovery_seconds() < low.recovery_seconds()


def test_more_responsive_play_means_more_positive_affect_in_the_still_face():
    # Mesman et al. (2009): higher maternal sensitivity predicted more positive affect there
    assert run(responsiveness=0.9).mean(PA, sf.STILL) > run(responsiveness=0.4).mean(PA, sf.STILL)


def test_the_graded_quiz_predictions_hold():
    # quiz 3, question 5: only more responsive play raises smiling during the still face
    base = DEFAULT.mean(PA, sf.STILL)
    assert run(responsiveness=1.0).mean(PA, sf.STILL) > base
    assert run(self_regulation=0.1).mean(PA, sf.STILL) < base
    for repair in (2, 40):
        assert run(repair_seconds=repair).mean(PA, sf.STILL) == base


def test_default_run_matches_every_published_direction():
    rows = sf.agreement(DEFAULT)
    assert len(rows) == 5 and all(same for _, _, same in rows)
    # and the still-face effects are large in standardized terms
    assert all(abs(DEFAULT.effect_size(m, sf.STILL)) > 1 for m in sf.MEASURES)


def test_meta_analysis_table_matches_its_source():
    effects, source = sf.published_effects()
    assert "Mesman" in source and "(2009)" in source and "Developmental Review" in source
    expected = {
        (PA, sf.STILL): "lower",
        (GAZE, sf.STILL): "lower",
        (NA, sf.STILL): "higher",
        (PA, sf.REUNION): "lower",
        (NA, sf.REUNION): "higher",
    }
    assert {(e.measure, e.phase): e.direction for e in effects} == expected


def test_same_settings_same_run_and_the_seed_matters():
    again = run()
    assert all(np.array_equal(DEFAULT.curves[m], again.curves[m]) for m in sf.MEASURES)
    other = run(seed=7)
    assert not np.array_equal(DEFAULT.curves[PA], other.curves[PA])


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"responsiveness": 1.5}, "responsiveness"),
        ({"responsiveness": -0.1}, "responsiveness"),
        ({"responsiveness": math.nan}, "responsiveness"),
        ({"responsiveness": "high"}, "responsiveness"),
        ({"responsiveness": True}, "responsiveness"),
        ({"self_regulation": 2}, "self_regulation"),
        ({"repair_seconds": 0}, "repair_seconds"),
        ({"repair_seconds": math.inf}, "repair_seconds"),
        ({"phase_seconds": 5}, "phase_seconds"),
        ({"infants": 1}, "infants"),
        ({"infants": 2.5}, "infants"),
        ({"seed": -1}, "seed"),
    ],
)
def test_impossible_settings_are_refused_with_a_clear_message(kw, message):
    with pytest.raises(ValueError, match=message):
        sf.StillFaceSettings(**kw)


unit = st.floats(0, 1, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.4, 1), unit, st.floats(1, 60), st.floats(60, 180), st.integers(0, 10_000))
def test_the_still_face_effect_holds_across_settings(resp, selfreg, repair, phase, seed):
    r = run(
        responsiveness=resp,
        self_regulation=selfreg,
        repair_seconds=repair,
        phase_seconds=phase,
        infants=20,
        seed=seed,
    )
    for m in sf.MEASURES:
        assert np.all((r.curves[m] >= 0) & (r.curves[m] <= 1))
    assert r.mean(PA, sf.STILL) < r.mean(PA, sf.PLAY)
    assert r.mean(GAZE, sf.STILL) < r.mean(GAZE, sf.PLAY)
    assert r.mean(NA, sf.STILL) > r.mean(NA, sf.PLAY)


def test_the_reading_says_what_happened():
    text = sf.describe(DEFAULT)
    assert "still face" in text and "carry-over" in text and "seconds of reunion" in text
    assert "did not get back" in sf.describe(run(repair_seconds=120))
    assert "little to take away" in sf.describe(run(responsiveness=0, infants=10))


def test_comparison_table_puts_published_beside_simulated():
    html = sf.comparison_table(DEFAULT)
    assert html.count("<tr>") == 6 and html.count(">yes<") == 5
    assert "Mesman" in html and "<caption" in html and "scope='col'" in html


def test_phases_view_redraws_plot_reading_and_table_when_a_slider_moves():
    view = sf.three_phases()
    before = (list(view.figure.data[0].y), view.reading.value, view.comparison.value)
    assert len(before[0]) == len(view.figure.data[0].x) == 360
    view.repair_seconds.value = 50
    after = (list(view.figure.data[0].y), view.reading.value, view.comparison.value)
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert view.settings().repair_seconds == 50


def test_phases_view_controls_have_visible_names():
    view = sf.three_phases()
    sliders = [c for c in view.children if isinstance(c, w.FloatSlider)]
    assert len(sliders) == 3 and all(c.description.strip() for c in sliders)


# --- the repair game -----------------------------------------------------------------------------


def play(game: sf.RepairGame, actions) -> list[sf.Turn]:
    return [game.respond(a) for a in actions]


def test_attune_matches_miss_and_intrude_mismatch_and_attuning_after_is_a_repair():
    game = sf.RepairGame(seed=1, infant_off_chance=0)
    assert game.state == sf.START
    states = [t.state for t in play(game, ["attune", "miss", "attune", "intrude", "attune"])]
    assert states == [sf.MATCHED, sf.MISMATCHED, sf.REPAIRED, sf.MISMATCHED, sf.REPAIRED]
    s = game.summary()
    assert (s.turns, s.matched, s.repairs, s.missed, s.intruded) == (5, 3, 2, 1, 1)


def test_an_unanswered_bid_is_repeated_more_strongly_until_the_baby_turns_away():
    game = sf.RepairGame(seed=2, infant_off_chance=0)
    first = game.current_cue()
    cues = []
    for _ in range(sf.WITHDRAW_AFTER):
        game.respond("miss")
        cues.append(game.current_cue())
    assert all(first[:-1].lower()[4:] in c for c in cues)  # the same need, still unanswered
    assert "more strongly" in cues[0] and "protests" in cues[1] and "turns away" in cues[2]
    assert game.mismatch_run == 3 and game.summary().withdrawals == 1
    turn = game.respond("attune")
    assert turn.state == sf.REPAIRED and game.mismatch_run == 0
    assert game.current_cue() != cues[-1]


def test_the_baby_can_be_the_one_who_misses():
    game = sf.RepairGame(seed=4, infant_off_chance=1)
    turn = game.respond("attune")
    assert turn.state == sf.MISMATCHED and "nobody chose" in turn.outcome
    assert game.summary().baby_off == 1


def test_always_attuning_is_not_always_matched_but_every_slip_is_repaired():
    game = sf.RepairGame(seed=5)
    play(game, ["attune"] * game.rounds)
    s = game.summary()
    assert game.finished and 0 < s.baby_off < s.turns
    assert s.matched == s.turns - s.baby_off
    last_off = game.history[-1].state == sf.MISMATCHED
    assert s.repairs == s.baby_off - last_off


def test_a_game_is_seeded():
    actions = ["attune", "miss", "attune", "intrude"] * 5
    a, b = sf.RepairGame(seed=9), sf.RepairGame(seed=9)
    assert play(a, actions) == play(b, actions)
    c = sf.RepairGame(seed=10)
    assert [t.cue for t in play(c, actions)] != [t.cue for t in a.history]


def test_bad_moves_are_refused_clearly():
    game = sf.RepairGame(rounds=1)
    with pytest.raises(ValueError, match="attune, miss, intrude"):
        game.respond("shout")
    game.respond("miss")
    assert game.finished and game.current_cue() is None
    with pytest.raises(RuntimeError, match="game is over"):
        game.respond("attune")
    for kw, name in [
        ({"rounds": 0}, "rounds"),
        ({"seed": -3}, "seed"),
        ({"infant_off_chance": 1.5}, "infant_off_chance"),
    ]:
        with pytest.raises(ValueError, match=name):
            sf.RepairGame(**kw)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(sf.ACTIONS), min_size=1, max_size=20), st.integers(0, 999))
def test_the_counts_always_add_up(actions, seed):
    game = sf.RepairGame(seed=seed)
    turns = play(game, actions)
    s = game.summary()
    states = [t.state for t in turns]
    assert s.turns == len(actions) and s.matched + states.count(sf.MISMATCHED) == s.turns
    pairs = zip(states, states[1:], strict=False)
    repairs = sum(a == sf.MISMATCHED and b == sf.REPAIRED for a, b in pairs)
    assert s.repairs == repairs
    assert s.missed == actions.count("miss") and s.intruded == actions.count("intrude")
    assert 0 <= s.longest_mismatch <= s.turns and 0 <= s.matched_share <= 1


def test_the_summary_compares_the_run_with_real_pairs_without_judging():
    game = sf.RepairGame(seed=0, infant_off_chance=0)
    assert "Nothing you choose is scored" in sf.describe_game(game)
    play(game, ["attune"] * game.rounds)
    text = sf.describe_game(game)
    assert "Tronick & Cohn, 1989" in text and "real pairs are not" in text
    assert "not a test of anyone" in text


def test_game_view_buttons_drive_the_game_the_timeline_and_the_reading():
    view = sf.repair_game()
    assert [b.description for b in view.buttons.values()] == ["Attune", "Miss", "Intrude"]
    assert all(b.tooltip for b in [*view.buttons.values(), view.restart])
    reading = view.reading.value
    assert "will appear here" in view.timeline.value
    view.buttons[sf.MISS].click()
    assert (
        view.timeline.value.count("<li") == 1
        and "1 <span aria-hidden='true'>✕</span> mismatched" in view.timeline.value
    )
    view.buttons[sf.ATTUNE].click()
    assert view.game.history[-1].state in (sf.REPAIRED, sf.MISMATCHED)
    assert view.timeline.value.count("<li") == 2
    assert view.reading.value != reading and "Bid 3 of 20" in view.bid.value
    while not view.game.finished:
        view.buttons[sf.ATTUNE].click()
    assert all(b.disabled for b in view.buttons.values())
    assert view.timeline.value.count("<li") == 20
    assert "Tronick &amp; Cohn" in view.reading.value
    view.restart.click()
    assert not view.game.history and not any(b.disabled for b in view.buttons.values())
    assert "will appear here" in view.timeline.value
