"""Converts an openai-whisper ``.pt`` checkpoint into a CTranslate2 folder that faster-whisper
loads, offline: the way ``ct2-transformers-converter`` would convert a Hugging Face Whisper,
with the Hugging Face side built here instead of downloaded.

    openai state dict --renamed--> WhisperForConditionalGeneration (save_pretrained)
    whisper/assets/multilingual.tiktoken --TikTokenConverter--> tokenizer.json
    --ctranslate2.converters.TransformersConverter--> model.bin, config.json, tokenizer.json

The tokenizer is Whisper's own: openai-whisper ships the byte-level BPE ranks, and
transformers' ``TikTokenConverter`` rebuilds the merges from them (the test checks it encodes
German with accents the same ids as openai-whisper's tokenizer). Special tokens follow
``whisper.tokenizer.get_encoding``; timestamps are left out, as in the Hugging Face releases
(the CTranslate2 converter appends them up to ``n_vocab``). Only multilingual checkpoints
with the 99-language vocabulary (n_vocab 51865) are handled: that is what the tests need.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# whisper.tokenizer.get_encoding's split pattern (GPT-2's)
_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# openai-whisper parameter names -> transformers' WhisperModel names, applied in order
_RENAME = [
    (r"^encoder\.positional_embedding$", "encoder.embed_positions.weight"),
    (r"^decoder\.positional_embedding$", "decoder.embed_positions.weight"),
    (r"^decoder\.token_embedding\.", "decoder.embed_tokens."),
    (r"^encoder\.ln_post\.", "encoder.layer_norm."),
    (r"^decoder\.ln\.", "decoder.layer_norm."),
    (r"\.blocks\.", ".layers."),
    (r"\.cross_attn_ln\.", ".encoder_attn_layer_norm."),
    (r"\.attn_ln\.", ".self_attn_layer_norm."),
    (r"\.mlp_ln\.", ".final_layer_norm."),
    (r"\.cross_attn\.", ".encoder_attn."),
    (r"\.attn\.", ".self_attn."),
    (r"\.query\.", ".q_proj."), (r"\.key\.", ".k_proj."), (r"\.value\.", ".v_proj."), (r"\.out\.", ".out_proj."),
    (r"\.mlp\.0\.", ".fc1."), (r"\.mlp\.2\.", ".fc2."),
]


def special_tokens(num_languages: int = 99) -> list[str]:
    from whisper.tokenizer import LANGUAGES

    return ["<|endoftext|>", "<|startoftranscript|>", *[f"<|{code}|>" for code in list(LANGUAGES)[:num_languages]],
            "<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
            "<|notimestamps|>"]


def multilingual_tokenizer():
    """Whisper's multilingual tokenizer as a ``tokenizers.Tokenizer``, from the package's tiktoken file."""
    import whisper
    from transformers.convert_slow_tokenizer import TikTokenConverter

    ranks = Path(whisper.__file__).parent / "assets" / "multilingual.tiktoken"
    return TikTokenConverter(str(ranks), pattern=_PATTERN, extra_special_tokens=special_tokens()).converted()


def to_ctranslate2(checkpoint: Path, out: Path) -> Path:
    """``out`` (a CTranslate2 Whisper folder) made from the openai-whisper ``checkpoint``."""
    import ctranslate2
    import torch
    from transformers import PreTrainedTokenizerFast, WhisperConfig, WhisperForConditionalGeneration
    from whisper.tokenizer import get_tokenizer

    saved = torch.load(checkpoint, map_location="cpu")
    d, state = saved["dims"], saved["model_state_dict"]
    if d["n_vocab"] != 51865:
        raise ValueError(f"only the 99-language vocabulary (51865) is handled, not {d['n_vocab']}")
    tokenizer = multilingual_tokenizer()
    ids = tokenizer.get_vocab()
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    config = WhisperConfig(
        vocab_size=d["n_vocab"], num_mel_bins=d["n_mels"], d_model=d["n_audio_state"],
        encoder_layers=d["n_audio_layer"], encoder_attention_heads=d["n_audio_head"],
        encoder_ffn_dim=4 * d["n_audio_state"], decoder_layers=d["n_text_layer"],
        decoder_attention_heads=d["n_text_head"], decoder_ffn_dim=4 * d["n_text_state"],
        max_source_positions=d["n_audio_ctx"], max_target_positions=d["n_text_ctx"],
        decoder_start_token_id=sot, pad_token_id=eot, bos_token_id=eot, eos_token_id=eot)
    renamed = {}
    for name, tensor in state.items():
        for pattern, replacement in _RENAME:
            name = re.sub(pattern, replacement, name)
        renamed["model." + name] = tensor
    renamed["proj_out.weight"] = renamed["model.decoder.embed_tokens.weight"]  # Whisper ties them
    model = WhisperForConditionalGeneration(config)
    model.load_state_dict(renamed, strict=True)

    hf = out.with_name(out.name + "-hf")
    model.save_pretrained(hf)
    tokenizer.save(str(hf / "tokenizer.json"))
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                            unk_token="<|endoftext|>").save_pretrained(hf)
    openai_tok = get_tokenizer(True, num_languages=99)
    generation = {  # what the CTranslate2 converter reads: language ids, suppressed tokens, alignment heads
        "decoder_start_token_id": sot, "eos_token_id": eot, "pad_token_id": eot, "bos_token_id": eot,
        "no_timestamps_token_id": ids["<|notimestamps|>"], "is_multilingual": True,
        "lang_to_id": {token: ids[token] for token in special_tokens()[2:101]},
        "suppress_tokens": list(openai_tok.non_speech_tokens),
        "begin_suppress_tokens": [openai_tok.encode(" ")[0], eot],
        # openai-whisper's default for a model it has no table for: every head of the last half
        "alignment_heads": [[layer, head] for layer in range(d["n_text_layer"] // 2, d["n_text_layer"])
                            for head in range(d["n_text_head"])],
    }
    (hf / "generation_config.json").write_text(json.dumps(generation))
    (hf / "preprocessor_config.json").write_text(json.dumps({
        "feature_extractor_type": "WhisperFeatureExtractor", "feature_size": d["n_mels"], "sampling_rate": 16000,
        "hop_length": 160, "chunk_length": 30, "n_fft": 400, "n_samples": 480000, "nb_max_frames": 3000}))
    converter = ctranslate2.converters.TransformersConverter(
        str(hf), copy_files=["tokenizer.json", "preprocessor_config.json"])
    return Path(converter.convert(str(out), force=True))
