from hypothesis import given, settings, strategies as st

from assistant.pacing import Pacer
from assistant.sentences import SentenceCutter, split_to_fit


def cut(pieces):
    c = SentenceCutter()
    out = [s for p in pieces for s in c.push(p)]
    return out + c.flush()


def test_cuts_at_sentence_ends_but_not_abbreviations_or_decimals():
    text = "Hello there! Dr. Smith arrived at 3.30 today, e.g. early. Is it Mr. T? Yes… ok"
    assert cut([text]) == ["Hello there!", "Dr. Smith arrived at 3.30 today, e.g. early.",
                           "Is it Mr. T?", "Yes…", "ok"]


def test_sentence_is_emitted_as_soon_as_the_next_space_arrives():
    c = SentenceCutter()
    assert c.push("The capital is Paris.") == []
    assert c.push(" It") == ["The capital is Paris."]
    assert c.flush() == ["It"]


def test_newlines_end_sentences():
    assert cut(["First line\nSecond line"]) == ["First line", "Second line"]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc XY.!?,\n'\"3")), max_size=80), st.data())
def test_any_split_into_pieces_gives_the_same_sentences_and_loses_no_text(text, data):
    whole = cut([text])
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=6)))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]
    assert cut(pieces) == whole
    assert "".join(whole).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_first_chunk_may_end_at_a_clause_once_it_has_enough_words():
    c = SentenceCutter(first_min_words=3)
    assert c.push("Sure, the capital of France, ") == ["Sure, the capital of France,"]
    # later chunks are whole sentences, commas and all
    assert c.push("as you know, is Paris. Enjoy") == ["as you know, is Paris."]
    assert c.flush() == ["Enjoy"]


def test_short_first_clause_is_not_cut():
    c = SentenceCutter(first_min_words=3)
    assert c.push("Yes, ") == []
    assert c.push("it is. ") == ["Yes, it is."]


def test_first_chunk_without_a_comma_ends_before_a_joining_word():
    c = SentenceCutter(first_min_words=3, first_max_words=8)
    assert c.push("The moon is a mysterious an") == []        # "an" may still become "and"
    assert c.push("d beautiful body that ") == ["The moon is a mysterious"]
    assert c.push("never sleeps. It") == ["and beautiful body that never sleeps."]
    assert c.flush() == ["It"]


def test_first_chunk_is_not_cut_before_min_or_after_max_words():
    c = SentenceCutter(first_min_words=3, first_max_words=4)
    assert c.push("Go to the big old house with me. ") == ["Go to the big old house with me."]
    c = SentenceCutter(first_min_words=3, first_max_words=8)
    assert c.push("A spider has eight legs. ") == ["A spider has eight legs."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("the moon is a big and old rock that we see at night , .".split()), max_size=30))
def test_first_chunk_rules_lose_no_text(words):
    c = SentenceCutter(first_min_words=3, first_max_words=8)
    out = [s for w in words for s in c.push(w + " ")] + c.flush()
    assert " ".join(out).split() == " ".join(words).split()
    if out and len(out[0].split()) < len(words):
        assert len(out[0].split()) <= 8 or out[0][-1] in ".,"


LONG = ("She lived in the heart of a bustling market square with her loyal companions, "
        "the Luminous Lions, who were known for their bravery.")


def test_a_sentence_too_long_for_the_time_left_is_cut_after_the_last_clause_that_fits():
    assert split_to_fit(LONG, 80) == ("She lived in the heart of a bustling market square with her loyal companions,",
                                      "the Luminous Lions, who were known for their bravery.")
    # no comma in reach: before a joining word
    assert split_to_fit(LONG, 60) == ("She lived in the heart of a bustling market square",
                                      "with her loyal companions, the Luminous Lions, who were known for their bravery.")
    assert split_to_fit(LONG, 500) == (LONG, "")
    # nowhere to cut with three words each side: whole
    assert split_to_fit("The capital of France is Paris.", 10) == ("The capital of France is Paris.", "")
    assert split_to_fit(LONG, 0) == (LONG, "")


@given(st.lists(st.sampled_from(["the", "cat,", "and", "sat", "on", "a", "mat;", "with", "dog", "Paris."]),
                min_size=1, max_size=30), st.integers(0, 200))
def test_a_cut_keeps_every_word_fits_the_budget_and_leaves_whole_phrases(words, max_chars):
    text = " ".join(words)
    head, tail = split_to_fit(text, max_chars)
    assert (head + " " + tail).split() == text.split()
    if tail:
        assert len(head) <= max_chars
        assert len(head.split()) >= 3 and len(tail.split()) >= 3
        assert head[-1] in ",;:" or tail.split()[0] in ("and", "with", "on")


def test_the_pacer_gives_the_characters_that_can_be_synthesised_before_playback_runs_dry():
    p = Pacer()
    assert p.budget_chars(0.0) is None  # nothing is playing yet: the first chunk goes whole
    p.handed_over(chars=30, synth_s=0.3, play_s=2.0, now=1.0)  # 10 ms a character; plays until 3.0
    assert p.budget_chars(1.0) == int(2.0 * 0.8 / 0.01)
    assert p.budget_chars(2.5) == int(0.5 * 0.8 / 0.01)
    assert p.budget_chars(4.0) == 0
    p.handed_over(chars=10, synth_s=0.3, play_s=1.0, now=4.0)  # slower now (30 ms a char): it counts at once
    assert p.budget_chars(4.0) == int(1.0 * 0.8 / 0.03)


def test_the_pacer_says_when_text_still_being_written_must_go():
    p = Pacer()
    assert not p.late(100, 0.0)  # nothing plays yet
    p.handed_over(chars=30, synth_s=0.3, play_s=2.0, now=1.0)  # 10 ms a character; plays until 3.0
    assert not p.late(50, 1.0) and p.late(160, 1.0)             # 160 characters fit in the 1.6 s left
    p.queued(120)                                               # 120 on their way to the TTS already
    assert not p.late(30, 1.0) and p.late(40, 1.0)
    assert not p.late(10, 2.5)   # the TTS is behind (120 waiting, 40 fit): shorter chunks would not help
    p.queued(-120)
    assert p.late(1, 4.0)        # playback has run dry: whatever can go, goes
    assert not p.late(0, 4.0)


def test_a_sentence_still_being_written_is_let_go_at_its_last_phrase_break():
    cutter = SentenceCutter()
    assert cutter.push("Hello there. The sky is blue today, because the light ") == ["Hello there."]
    assert cutter.let_go() == ["The sky is blue today,"]
    assert cutter.pending.split() == ["because", "the", "light"]
    assert cutter.let_go() == []  # "because the light": no break with three words before it
    cutter.push("of the sun is scattered by the air")
    assert cutter.let_go() == ["because the light of the sun is scattered"]  # before "by"; "air" still being written
    assert cutter.push(". ") == ["by the air."]
    # the first chunk is the first-chunk rule's (first_min_words / first_max_words), never let go
    first = SentenceCutter()
    first.push("The sky is blue today, because ")
    assert first.let_go() == []


@given(st.lists(st.sampled_from(["the", "cat,", "and", "sat", "on", "a", "mat;", "with", "dog", "big"]),
                min_size=0, max_size=30))
def test_letting_go_keeps_every_word_in_order_and_cuts_only_at_phrases(words):
    cutter = SentenceCutter()
    cutter.push("Hi. ")
    cutter.push(" ".join(words) + " ")
    before = cutter.pending.split()
    out = cutter.let_go()
    assert [w for c in out for w in c.split()] + cutter.pending.split() == before
    if out:
        assert len(out[0].split()) >= 3
        assert out[0][-1] in ",;:" or cutter.pending.split()[0] in ("and", "with", "on")
