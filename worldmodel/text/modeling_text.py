"""Instruction encoders: text in, token states (B, L, D), a mask (B, L) and a pooled vector (B, D).

The trained encoder is a word-level transformer over the skill library's vocabulary; unknown words
map to `<unk>`. The pretrained adapter wraps any Hugging Face encoder (frozen, not saved in our
checkpoints) behind a trained linear projection, so a bigger model can replace ours unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from torch import nn

from worldmodel.text.configuration_text import TextEncoderConfig

PAD, UNK = 0, 1


@dataclass
class TextEncoding:
    tokens: torch.Tensor  # (B, L, D)
    mask: torch.Tensor  # (B, L) 1 for real tokens
    pooled: torch.Tensor  # (B, D)


def tokenize(texts: list[str], vocabulary: list[str], max_tokens: int) -> torch.Tensor:
    """Word ids (B, max_tokens); 0 pads, 1 is an unknown word. Longer texts are cut."""
    index = {w: i + 2 for i, w in enumerate(vocabulary)}
    ids = torch.zeros(len(texts), max_tokens, dtype=torch.long)
    for row, text in enumerate(texts):
        words = re.findall(r"[a-z]+", text.lower())[:max_tokens]
        ids[row, : len(words)] = torch.tensor([index.get(w, UNK) for w in words], dtype=torch.long)
    return ids


class TrainedTextEncoder(nn.Module):
    def __init__(self, config: TextEncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(len(config.vocabulary) + 2, config.dim, padding_idx=PAD)
        self.position = nn.Parameter(torch.randn(config.max_tokens, config.dim) * 0.02)
        layer = nn.TransformerEncoderLayer(
            config.dim, config.heads, 2 * config.dim, dropout=0.0, batch_first=True, norm_first=True
        )
        # layers=0: no mixing between words, only a per-word MLP that sees the word's position;
        # the pooled text is then a sum over words, which composes to unseen word combinations.
        self.layers = (
            nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
            if config.layers
            else nn.Sequential(
                nn.Linear(config.dim, 2 * config.dim),
                nn.SiLU(),
                nn.Linear(2 * config.dim, config.dim),
            )
        )
        self.norm = nn.LayerNorm(config.dim)

    def forward(self, texts: list[str]) -> TextEncoding:
        device = self.position.device
        ids = tokenize(texts, self.config.vocabulary, self.config.max_tokens).to(device)
        mask = ids != PAD
        mask[:, 0] = True  # an empty text still has one (padding) token to attend to
        x = self.embed(ids) + self.position
        if self.config.layers:
            x = self.layers(x, src_key_padding_mask=~mask)
        else:
            x = x + self.layers(x)
        x = self.norm(x) * mask[..., None]
        pooled = x.sum(1) / mask.sum(1, keepdim=True)
        return TextEncoding(x, mask.float(), pooled)


class PretrainedTextEncoder(nn.Module):
    """A frozen Hugging Face encoder + a trained projection to `config.dim`."""

    def __init__(self, config: TextEncoderConfig) -> None:
        super().__init__()
        try:
            from transformers import AutoModel, AutoTokenizer
        except ImportError as exc:
            raise ImportError(
                "kind='pretrained' text encoders need `transformers` (pip install transformers)"
            ) from exc
        self.config = config
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(config.pretrained)
            backbone = AutoModel.from_pretrained(config.pretrained).eval().requires_grad_(False)
        except OSError as exc:
            raise ValueError(
                f"cannot load pretrained text encoder {config.pretrained!r} ({exc}); give a local "
                "folder or a name already in the Hugging Face cache"
            ) from exc
        self._backbone = [backbone]  # a list keeps it out of state_dict(): it is not ours to save
        self.project = nn.Linear(backbone.config.hidden_size, config.dim)

    def forward(self, texts: list[str]) -> TextEncoding:
        backbone = self._backbone[0].to(self.project.weight.device)
        batch = self._tokenizer(
            texts,
            padding="max_length",
            truncation=True,
            max_length=self.config.max_tokens,
            return_tensors="pt",
        ).to(self.project.weight.device)
        with torch.no_grad():
            hidden = backbone(**batch).last_hidden_state
        mask = batch["attention_mask"].float()
        x = self.project(hidden) * mask[..., None]
        return TextEncoding(x, mask, x.sum(1) / mask.sum(1, keepdim=True).clamp(min=1))


def build_text_encoder(config: TextEncoderConfig) -> nn.Module:
    if config.kind == "pretrained":
        return PretrainedTextEncoder(config)
    return TrainedTextEncoder(config)
