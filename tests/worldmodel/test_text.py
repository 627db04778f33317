import pytest
import torch

from worldmodel.text.configuration_text import TextEncoderConfig, default_vocabulary
from worldmodel.text.modeling_text import UNK, build_text_encoder, tokenize


def test_vocabulary_covers_the_skill_library():
    vocab = default_vocabulary()
    assert {"put", "red", "block", "drawer", "stack", "button"} <= set(vocab)


def test_tokenize_pads_cuts_and_marks_unknown_words():
    ids = tokenize(["Put the RED block", "zorp " * 30], ["block", "put", "red", "the"], 6)
    assert ids.shape == (2, 6)
    assert ids[0].tolist() == [3, 5, 4, 2, 0, 0]
    assert (ids[1] == UNK).all()


def test_trained_encoder_shapes_and_masking():
    enc = build_text_encoder(TextEncoderConfig(dim=16, layers=1, heads=2, max_tokens=8))
    out = enc(["open the drawer", "put the red block in the bowl", ""])
    assert out.tokens.shape == (3, 8, 16) and out.pooled.shape == (3, 16)
    assert out.mask[0].tolist() == [1, 1, 1, 0, 0, 0, 0, 0]
    assert torch.all(out.tokens[0, 3:] == 0)


def test_pretrained_encoder_needs_a_name():
    with pytest.raises(ValueError, match="needs `pretrained`"):
        TextEncoderConfig(kind="pretrained")


def test_word_wise_encoder_keeps_word_order():
    torch.manual_seed(0)
    enc = build_text_encoder(TextEncoderConfig(dim=16, layers=0, heads=2))
    a = enc(["stack the red block on the blue block"]).pooled
    b = enc(["stack the blue block on the red block"]).pooled
    assert a.shape == (1, 16) and not torch.allclose(a, b)
