"""The Strange Situation models behave as the published patterns they teach predict."""

import math

import ipywidgets as w
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import data
from widgets import strange_situation as ss

SEEDS = range(40)


def run(pattern: str, seed: int = 0, **kw) -> ss.Session:
    return ss.simulate(ss.InfantSettings(pattern, seed, **kw))


def mean_over_seeds(pattern: str, value) -> float:
    return float(np.mean([value(run(pattern, s)) for s in SEEDS]))


def separation_distress(s: ss.Session) -> float:
    return float(np.mean([s.episode(n).distress for n in ss.SEPARATIONS]))


def reunion(s: ss.Session, scale: str) -> float:
    return float(np.mean([s.rating(n, scale) for n in ss.REUNIONS]))


# --- The episode plan ----------------------------------------------------------------


def test_the_plan_has_eight_episodes_with_the_published_timing():
    plan = ss.episode_plan()
    assert [e.number for e in plan] == list(range(1, 9))
    assert plan[0].seconds == 30  # episode 1: about 30 seconds
    assert all(e.seconds == 180 for e in plan[1:])  # episodes 2-8: 3 minutes each
    assert [e.number for e in plan if e.rule == "shortened"] == list(ss.SEPARATIONS)
    assert [e.number for e in plan if e.rule == "prolonged"] == [5]
    assert [e.in_room for e in plan] == [
        ("caregiver", "infant", "observer"),
        ("caregiver", "infant"),
        ("stranger", "caregiver", "infant"),
        ("stranger", "infant"),
        ("caregiver", "infant"),
        ("infant",),
        ("stranger", "infant"),
        ("caregiver", "infant"),
    ]
    # the caregiver is away in exactly the separations, and back for the reunions
    assert [e.number for e in plan if "caregiver" not in e.in_room] == [4, 6, 7]


def test_without_adapting_every_episode_runs_as_planned():
    for pattern in ss.PATTERNS:
        s = run(pattern, adapt_lengths=False)
        assert [e.seconds for e in s.episodes] == [e.seconds for e in ss.episode_plan()]
        assert s.total_seconds == 30 + 7 * 180


def test_very_distressed_infants_have_their_separations_cut_short():
    s = run("C", variation=0)  # typical C: distress 0.9+ in every separation
    for n in ss.SEPARATIONS:
        e = s.episode(n)
        assert e.shortened and 60 < e.seconds < 180
    assert s.episode(5).prolonged  # and a longer first reunion, to comfort
    calm = run("A", variation=0)
    assert not any(e.shortened or e.prolonged for e in calm.episodes)


def test_only_separations_are_shortened_and_only_the_first_reunion_lengthened():
    for pattern in ss.PATTERNS:
        for seed in SEEDS:
            s = run(pattern, seed)
            assert {e.number for e in s.episodes if e.shortened} <= set(ss.SEPARATIONS)
            assert {e.number for e in s.episodes if e.prolonged} <= {5}
            starts = [e.start for e in s.episodes]
            assert starts == sorted(starts) and starts[0] == 0


# --- The patterns --------------------------------------------------------------------


def test_avoidant_infants_show_little_separation_distress_and_high_reunion_avoidance():
    for seed in SEEDS:
        s = run("A", seed)
        assert separation_distress(s) < 0.5
        assert reunion(s, "avoidance") >= 4
        assert reunion(s, "proximity seeking") <= 4
    assert mean_over_seeds("A", separation_distress) < mean_over_seeds("B", separation_distress)
    assert mean_over_seeds("A", lambda s: reunion(s, "avoidance")) > 5


def test_avoidance_is_stronger_in_the_second_reunion_for_avoidant_infants():
    typical = run("A", variation=0)
    assert typical.rating(8, "avoidance") > typical.rating(5, "avoidance")


def test_secure_infants_seek_contact_without_resisting_or_avoiding():
    for seed in SEEDS:
        s = run("B", seed)
        assert reunion(s, "proximity seeking") >= 4
        assert reunion(s, "resistance") <= 3 and reunion(s, "avoidance") <= 3
    # upset when left, comforted when the caregiver returns
    assert mean_over_seeds("B", lambda s: s.episode(8).distress) < mean_over_seeds(
        "B", lambda s: s.episode(7).distress
    )


def test_resistant_infants_combine_contact_seeking_with_resistance_and_explore_little():
    for seed in SEEDS:
        s = run("C", seed)
        assert reunion(s, "resistance") >= 4 and reunion(s, "contact maintaining") >= 4
    assert mean_over_seeds("C", lambda s: s.episode(2).exploration) < mean_over_seeds(
        "B", lambda s: s.episode(2).exploration
    )
    assert mean_over_seeds("C", separation_distress) > mean_over_seeds("B", separation_distress)


def test_only_disorganized_infants_show_disorganized_behaviour():
    def shown(s):
        return s.episode(5).disorganized or s.episode(8).disorganized

    assert np.mean([shown(run("D", seed)) for seed in SEEDS]) > 0.9
    for pattern in "ABC":
        assert not any(shown(run(pattern, seed)) for seed in SEEDS)


def test_ratings_exist_only_for_reunions():
    s = run("B")
    assert s.episode(4).scales is None
    with pytest.raises(ValueError, match="not a reunion"):
        s.rating(4, "avoidance")


def test_same_settings_same_infant_different_seed_different_infant():
    assert run("B", 3) == run("B", 3)
    assert run("B", 3) != run("B", 4)


def test_a_lean_moves_the_profile_toward_the_neighbour():
    plain = run("B", variation=0)
    leaning = run("B", variation=0, lean_towards="A", lean=0.5)
    assert leaning.rating(8, "avoidance") > plain.rating(8, "avoidance")


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"pattern": "E"}, "pattern"),
        ({"pattern": 2}, "pattern"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"adapt_lengths": "yes"}, "adapt_lengths"),
        ({"variation": math.nan}, "variation"),
        ({"variation": 3}, "variation"),
        ({"lean": 0.9}, "lean"),
        ({"lean_towards": "Z"}, "lean_towards"),
        ({"pattern": "B", "lean_towards": "b"}, "lean_towards"),
    ],
)
def test_impossible_settings_are_refused_with_a_clear_message(kw, message):
    with pytest.raises(ValueError, match=message):
        ss.InfantSettings(**kw)


def test_pattern_letters_are_forgiving_about_case_and_spaces():
    assert ss.InfantSettings(" c ").pattern == "C"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ss.PATTERNS),
    st.integers(0, 2**32 - 1),
    st.booleans(),
    st.floats(0, 2),
)
def test_any_valid_infant_stays_within_the_scales(pattern, seed, adapt, variation):
    s = run(pattern, seed, adapt_lengths=adapt, variation=variation)
    for e in s.episodes:
        assert 0 <= e.distress <= 1 and 0 <= e.exploration <= 1
        assert 0 < e.seconds <= 180 + ss.MAX_EXTRA_SECONDS
        if e.scales is not None:
            assert set(e.scales) == set(ss.SCALES)
            assert all(ss.SCALE_MIN <= v <= ss.SCALE_MAX for v in e.scales.values())
    assert 30 < s.total_seconds <= 30 + 7 * 180 + ss.MAX_EXTRA_SECONDS


def test_the_reading_says_what_happened():
    text = ss.describe(run("C", variation=0))
    assert "pattern-C" in text and "cut short" in text and "longer" in text
    assert "minutes" in text
    assert "Disorganized" in ss.describe(run("D", variation=0))


# --- The coder -----------------------------------------------------------------------


def test_coder_scores_right_close_and_different_answers():
    coder = ss.StrangeSituationCoder()
    case = coder.new_case(seed=5)
    right = coder.classify(case.pattern)
    assert right.verdict == "right" and right.tally == ss.Tally(1, 1, 0)
    # a wrong letter on a clear case
    clear = next(s for s in range(200) if not ss.make_case(s).ambiguous)
    case = coder.new_case(seed=clear)
    wrong = next(p for p in ss.PATTERNS if p != case.pattern)
    fb = coder.classify(wrong.lower())
    assert fb.verdict == "different" and fb.tally == ss.Tally(2, 1, 0)
    assert f"generated as {case.pattern}" in fb.message
    # the neighbour on a close call counts as defensible, and the feedback says so
    close = next(s for s in range(200) if ss.make_case(s).ambiguous)
    case = coder.new_case(seed=close)
    fb = coder.classify(case.neighbour)
    assert fb.verdict == "close" and fb.tally == ss.Tally(3, 1, 1)
    assert "ambiguous" in fb.message


def test_coder_refuses_to_classify_twice_or_before_a_case_or_an_unknown_letter():
    coder = ss.StrangeSituationCoder()
    with pytest.raises(ValueError, match="no infant"):
        coder.classify("A")
    coder.new_case()
    with pytest.raises(ValueError, match="letter"):
        coder.classify("E")
    with pytest.raises(ValueError, match="letter"):
        coder.classify("")
    coder.classify("A")
    with pytest.raises(ValueError, match="already classified"):
        coder.classify("B")
    assert coder.tally.rounds == 1


def test_coder_deals_a_reproducible_sequence_and_all_four_patterns():
    a, b = ss.StrangeSituationCoder(first_seed=7), ss.StrangeSituationCoder(first_seed=7)
    cases_a = [a.new_case() for _ in range(30)]
    cases_b = [b.new_case() for _ in range(30)]
    assert [c.vignette for c in cases_a] == [c.vignette for c in cases_b]
    assert {c.pattern for c in cases_a} == set(ss.PATTERNS)
    assert 0 < sum(c.ambiguous for c in cases_a) < 30
    with pytest.raises(ValueError, match="seed"):
        a.new_case(seed=-3)


def test_generated_cases_stay_within_their_published_pattern():
    for seed in range(120):
        case = ss.make_case(seed)
        if case.ambiguous:
            continue
        ev = ss.evidence(case.session)
        assert ev[case.pattern], f"seed {seed}: no evidence for {case.pattern}"


def test_vignettes_cover_episodes_2_to_8_and_mention_the_reunion_behaviour():
    case = ss.make_case(11)
    assert [n for n, _ in case.vignette] == [2, 3, 4, 5, 6, 7, 8]
    assert all(case.name in text for _, text in case.vignette)
    assert "comes back" in dict(case.vignette)[5]


def test_feedback_explains_the_evidence_for_the_generated_pattern():
    coder = ss.StrangeSituationCoder()
    coder.new_case(seed=next(s for s in range(200) if ss.make_case(s).pattern == "A"))
    fb = coder.classify("B")
    assert "What points to A" in fb.message and "avoidance" in fb.message


# --- Published distributions ---------------------------------------------------------

EXPECTED = {
    # label: (n, studies, A, B, C, D) as the sources give them
    "Baltimore, USA (1978)": (106, 4, 22, 66, 12, None),  # Ainsworth et al. (1978)
    "Great Britain (1988)": (None, None, 22, 75, 3, None),  # van IJzendoorn & Kroonenberg (1988)
    "West Germany (1988)": (None, None, 35, 57, 8, None),
    "Japan (1988)": (None, None, 5, 68, 27, None),
    "All 8 countries (1988)": (1990, 32, 21, 65, 14, None),
    "Global (2023)": (20720, 285, 14.7, 51.6, 10.2, 23.5),  # Madigan et al. (2023)
}


def test_distributions_match_their_sources_and_sum_to_100():
    rows = ss.load_distributions()
    assert {r.label for r in rows} == set(EXPECTED)
    for r in rows:
        n, studies, *shares = EXPECTED[r.label]
        assert (r.n, r.studies) == (n, studies)
        assert [r.shares[p] for p in ss.PATTERNS] == shares
        assert math.isclose(sum(v for v in r.shares.values() if v is not None), 100, abs_tol=0.05)
        assert r.source


def test_a_distribution_that_does_not_sum_to_100_is_rejected(tmp_path, monkeypatch):
    (tmp_path / "strange_situation").mkdir()
    (tmp_path / "strange_situation" / "distributions.csv").write_text(
        "# source: test\nlabel,group,n,studies,A,B,C,D,source\nX,G,10,1,20,60,10,,S\n"
    )
    monkeypatch.setattr(
        ss, "load_table", lambda rel, cols: data.load_table(rel, cols, data_dir=tmp_path)
    )
    ss.load_distributions.cache_clear()
    try:
        with pytest.raises(data.DataError, match="sums to 90"):
            ss.load_distributions()
    finally:
        ss.load_distributions.cache_clear()


def test_rows_can_be_ordered_and_the_d_row_left_out():
    rows = ss.load_distributions()
    by_a = ss.order_rows(rows, "share avoidant (A)", True)
    assert by_a[0].label == "West Germany (1988)" and by_a[-1].label == "Japan (1988)"
    assert ss.order_rows(rows, "share resistant (C)", True)[0].label == "Japan (1988)"
    without_d = ss.order_rows(rows, "as listed (by source)", False)
    assert all(r.shares["D"] is None for r in without_d) and len(without_d) == len(rows) - 1
    with pytest.raises(ValueError, match="order"):
        ss.order_rows(rows, "alphabetical", True)


# --- Views, without a browser --------------------------------------------------------


def controls(view) -> list[w.Widget]:
    kinds = (w.FloatSlider, w.Checkbox, w.ToggleButtons, w.Dropdown, w.Button)
    found, stack = [], [view]
    while stack:
        node = stack.pop()
        if isinstance(node, kinds):
            found.append(node)
        stack.extend(getattr(node, "children", ()))
    return found


def test_episode_view_redraws_plot_and_reading_when_the_pattern_changes():
    view = ss.episodes()
    ratings, presence, text = view.figure.data[7].y, view.figure.data[2].x, view.reading.value
    view.pattern.value = "C"
    assert view.figure.data[7].y != ratings
    assert view.figure.data[2].x != presence  # shortened separations
    assert view.reading.value != text and "pattern-C" in view.reading.value


def test_episode_view_follows_the_infant_number_and_the_shortening_rule():
    view = ss.episodes()
    view.pattern.value = "C"
    short = sum(view.figure.data[2].x)
    view.adapt.value = False
    assert sum(view.figure.data[2].x) > short
    before = view.figure.data[4].y
    view.seed.value = 9
    assert view.figure.data[4].y != before
    assert view.settings().seed == 9


def test_coder_view_classifies_counts_and_deals_the_next_infant():
    view = ss.coder()
    heading = view.heading.value
    view.buttons[0].click()
    assert all(b.disabled for b in view.buttons) and not view.next_button.disabled
    assert "1 infant classified" in view.tally.value and view.feedback.value
    view.next_button.click()
    assert view.heading.value != heading and view.feedback.value == ""
    assert not any(b.disabled for b in view.buttons)


def test_coder_view_escapes_its_text():
    view = ss.coder()
    assert "<script" not in view.vignette.value


def test_samples_view_reorders_and_filters_the_bars():
    view = ss.across_samples()
    order = view.figure.data[0].y
    view.order.value = "share resistant (C)"
    assert view.figure.data[0].y != order and view.figure.data[0].y[0].startswith("Japan")
    assert "Japan (1988), at 27%" in view.reading.value
    view.with_d.value = False
    assert len(view.figure.data[0].y) == len(order) - 1
    assert "Madigan" not in view.reading.value
    assert "Source" in view.table.value and "not shown" in view.table.value


@pytest.mark.parametrize("make", [ss.episodes, ss.coder, ss.across_samples])
def test_every_control_has_a_visible_name(make):
    found = controls(make())
    assert found
    assert all(c.description.strip() for c in found)
