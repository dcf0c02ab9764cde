from hypothesis import given, settings, strategies as st

from assistant.sentences import SentenceCutter


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
