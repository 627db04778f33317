"""Spoken-alike correction of transcripts and the synonyms in the biasing prompt: the planner's
vocabulary is the one voice corrects toward, misheard words become the word they sound like, and
words that sound like nothing the robot knows are left for the planner to refuse."""

from __future__ import annotations

import pytest

from agent.planners.local.lexicon import HEARD_AS, PHRASES, WORDS
from agent.planning import plan_chore
from agent.voice import hearing
from agent.voice.hearing import Correction, correct_transcript, nearest, sound_distance
from agent.voice.vocabulary import build_biasing, other_names
from evals.spoken_chores import CHORES, words

# Mishearings the lexicon lists, which the sound match alone must find (the table is emptied).
BY_SOUND = {
    "ramp": "lamp",
    "limp": "lamp",
    "cut": "put",
    "pot": "put",
    "pat": "put",
    "jello": "yellow",
    "blog": "block",
    "mutton": "button",
    "bottom": "button",
    "shot": "shut",
    "ball": "bowl",
    "grin": "green",
    "blew": "blue",
    "been": "bin",
    "clothes": "close",
    "pres": "press",
}
# English words that sound like nothing the robot acts on, or like two things equally.
NOT_ALIKE = "under chair window juggle paint dance kitchen sock mask basking glow lock lark can"


def test_misheard_words_are_matched_by_sound_alone(monkeypatch):
    monkeypatch.setattr(hearing, "HEARD_AS", {})
    wrong = {w: nearest(w) for w, meant in BY_SOUND.items() if nearest(w) != meant}
    assert not wrong, wrong
    assert {w: nearest(w) for w in NOT_ALIKE.split() if nearest(w)} == {}


def test_known_mishearings_are_said_as_the_synonym_they_sound_like():
    assert HEARD_AS["ramp"] == "light" and nearest("ramp") == "lamp"  # not "light"
    assert HEARD_AS["cut"] == "put" and nearest("cut") == "put"
    assert HEARD_AS["bold"] == "bowl" and nearest("bold") == "bowl"
    assert sound_distance("ramp", "lamp") < sound_distance("ramp", "light")


def test_words_the_planner_knows_are_never_corrected():
    for word in [*WORDS, *(w for p in PHRASES for w in p.split()), "red", "drawer", "please"]:
        if word.isalpha():
            assert nearest(word) is None, word


def test_transcript_correction_keeps_case_punctuation_and_contractions():
    heard = correct_transcript("Cut the green cube in the basket, please. Don't cut it!")
    assert heard.text == "Put the green cube in the basket, please. Don't put it!"
    assert heard.corrections == (Correction("cut", "put"), Correction("cut", "put"))
    assert heard.echo() == 'heard "cut" as "put"; "cut" as "put"'
    assert correct_transcript("Put the robot's block away.").corrections == ()
    plain = correct_transcript("Put the red block under the chair.")
    assert plain.text == "Put the red block under the chair." and plain.echo() == ""


def test_issue_20_mishearings_plan_like_the_typed_chore():
    cases = [
        ("Shut the drawer and then switch the ramp on.", CHORES[-2]),
        ("Cut the green cube in the basket, please.", CHORES[-1]),
    ]
    for heard, typed in cases:
        corrected = correct_transcript(heard)
        assert corrected.corrections
        plan = plan_chore(corrected.text, typed.seed)["plan"]
        assert plan == plan_chore(typed.text, typed.seed)["plan"]
        assert tuple(s["skill"] for s in plan) == typed.skills


def test_a_tie_goes_to_what_the_robot_sees(monkeypatch):
    monkeypatch.setattr(hearing, "targets", lambda: frozenset({"pin", "pan"}))
    assert sound_distance("pen", "pin") == sound_distance("pen", "pan")
    assert nearest("pen") is None
    assert nearest("pen", {"pin"}) == "pin"


def test_biasing_prompt_says_every_other_name_the_planner_accepts():
    prompt = build_biasing().prompt.lower()
    names = other_names()
    for kind, expected in [("block", ["cube"]), ("bin", ["basket", "bucket"]), ("bowl", ["dish"])]:
        for word in expected:
            assert any(word in n.split() for n in names[kind]), (kind, word)
    synonyms = {w for w, kind in WORDS.items() if w.isalpha() and w != kind and kind in names}
    plurals = {w for w in synonyms if w.endswith("s") and (w[:-1] in WORDS or w[:-1] in names)}
    missing = [w for w in synonyms - plurals if w not in words(prompt)]
    assert not missing, missing
    assert "lamp" in prompt and "cupboard" in prompt and "trash can" in prompt


@pytest.mark.parametrize("word", ["ramp", "cut"])
def test_corrections_are_reported_as_json(word):
    [correction] = correct_transcript(f"{word} it").corrections
    assert correction.to_json() == {"heard": word, "as": nearest(word)}
