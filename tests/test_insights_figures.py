"""insights/figures.py on plain rows: no database, numbers worked out by hand."""

from __future__ import annotations

from datetime import date

from insights.figures import (History, PersonRow, QuestionRow, calendar_windows, compute, from_people, known_from_history,
                              quote, range_windows)


def test_weeks_are_whole_iso_weeks_with_the_one_before():
    windows = calendar_windows("week", date(2026, 11, 25), date(2026, 12, 2))
    assert [(w.label, w.start.isoformat(), w.end.isoformat()) for w in windows] == [
        ("2026-W47", "2026-11-16", "2026-11-23"), ("2026-W48", "2026-11-23", "2026-11-30"),
        ("2026-W49", "2026-11-30", "2026-12-07")]
    months = calendar_windows("month", date(2026, 12, 5), date(2027, 1, 2))
    assert [w.label for w in months] == ["2026-11", "2026-12", "2027-01"]
    assert [w.label for w in range_windows(date(2026, 11, 8), date(2026, 11, 15))] == ["2026-11-01..2026-11-08",
                                                                                      "2026-11-08..2026-11-15"]


def test_concentration_participation_and_new_contributors():
    # given 12 posters in one week: the facilitator with 10 posts, eleven others with 1 each;
    # a lurker who only likes; and a person who only completed a course
    windows = calendar_windows("week", date(2026, 11, 23), date(2026, 11, 30))
    rows = [PersonRow("all", 1, "fac", {"posts": 10})]
    rows += [PersonRow("all", 1, f"p{i}", {"posts": 1}) for i in range(11)]
    rows += [PersonRow("all", 1, "lurker", {"reactions": 3}), PersonRow("all", 1, "learner", {"courses": 1})]
    rows += [PersonRow("all", 0, "fac", {"posts": 2, "comments": 1}), PersonRow("all", 0, "p0", {"reactions": 1})]
    history = {("all", "fac"): History(date(2026, 1, 5), date(2026, 1, 5)),
               ("all", "p0"): History(date(2026, 11, 17), date(2026, 11, 24)),   # liked before, first posted now
               ("all", "p1"): History(date(2026, 10, 1), date(2026, 10, 1))}      # posted a month ago
    questions = [QuestionRow("all", 1, 3600.0), QuestionRow("all", 1, 3 * 3600.0), QuestionRow("all", 1, None),
                 QuestionRow("all", 1, 10 * 3600.0)]
    # when
    [row] = compute(windows, from_people(windows, rows, history), questions, {"all": 40})
    f = {name: v["value"] for name, v in row["figures"].items()}
    # then
    assert f["posts"] == 21 and f["top_poster_share"] == round(10 / 21, 3)
    assert f["top10_share"] == round(11 / 21, 3)  # ceil(12 / 10) = 2 posters: 10 + 1
    assert row["top_poster"] == "fac"
    assert (f["active_people"], f["contributors"], f["reactors"], f["known_people"]) == (14, 12, 1, 40)
    assert f["participation"] == 0.35
    # fac and p1 had contributed before; p0's first contribution is this week; p2..p10 have no history
    assert (f["new_contributors"], f["returning_contributors"]) == (10, 2)
    assert (f["questions"], f["questions_answered"], f["answered_share"], f["median_hours_to_first_answer"]) == (0, 3, 0.75, 3.0)
    # the week before: fac posted twice and commented, p0 liked
    prev = {name: v["previous"] for name, v in row["figures"].items()}
    assert (prev["posts"], prev["active_people"], prev["top_poster_share"], prev["participation"]) == (2, 2, 1.0, 0.05)
    assert row["figures"]["top_poster_share"]["change"] == round(10 / 21 - 1.0, 3)


def test_known_people_from_history_count_those_seen_by_the_periods_end():
    windows = calendar_windows("week", date(2026, 11, 23), date(2026, 11, 30))
    rows = [PersonRow("learning-python", 1, "ana", {"comments": 1})]
    history = {("learning-python", "ana"): History(date(2026, 11, 2), date(2026, 11, 2)),
               ("learning-python", "bob"): History(date(2026, 11, 20), None),
               ("learning-python", "cat"): History(date(2026, 12, 3), date(2026, 12, 3))}  # later: not yet known
    [row] = compute(windows, from_people(windows, rows, history), [], known_from_history(windows, history))
    assert row["figures"]["known_people"]["value"] == 2 and row["figures"]["participation"]["value"] == 0.5
    assert row["figures"]["known_people"]["previous"] == 2 and row["figures"]["active_people"]["previous"] == 0


def test_quotes_are_cut_at_a_word_boundary():
    text = "word " * 60
    cut = quote(text, 50)
    assert len(cut) <= 50 and cut.endswith("word…")
    assert quote("  line one\n\nline two  ") == "line one line two"
