"""A small curated table of ML acronyms and the spelled-out forms they stand for.

A search for the acronym also finds the long forms, and a search for a long form also finds
the acronym. Long forms are matched as phrases after stemming, so plurals come for free.
"""

ACRONYMS: dict[str, tuple[str, ...]] = {
    "ocr": ("optical character recognition", "text recognition"),
    "llm": ("large language model",),
    "vlm": ("vision language model",),
    "mllm": ("multimodal large language model",),
    "lm": ("language model",),
    "rag": ("retrieval augmented generation",),
    "gan": ("generative adversarial network",),
    "vae": ("variational autoencoder",),
    "vit": ("vision transformer",),
    "moe": ("mixture of experts",),
    "nerf": ("neural radiance field",),
    "3dgs": ("gaussian splatting",),
    "rl": ("reinforcement learning",),
    "rlhf": ("reinforcement learning from human feedback",),
    "dpo": ("direct preference optimization",),
    "cnn": ("convolutional neural network",),
    "rnn": ("recurrent neural network",),
    "lstm": ("long short term memory",),
    "gnn": ("graph neural network",),
    "nlp": ("natural language processing",),
    "asr": ("automatic speech recognition", "speech recognition"),
    "tts": ("text to speech",),
    "vqa": ("visual question answering",),
    "qa": ("question answering",),
    "kd": ("knowledge distillation",),
    "lora": ("low rank adaptation",),
    "peft": ("parameter efficient fine tuning",),
    "sft": ("supervised fine tuning",),
    "cot": ("chain of thought",),
    "ssl": ("self supervised learning",),
    "ner": ("named entity recognition",),
    "mt": ("machine translation",),
    "sam": ("segment anything",),
    "clip": ("contrastive language image pre training",),
    "slam": ("simultaneous localization and mapping",),
    "ddpm": ("denoising diffusion probabilistic model",),
    "kg": ("knowledge graph",),
    "gpu": ("graphics processing unit",),
}

# The reverse direction: each long form's words, mapped to the acronym.
EXPANSIONS: dict[tuple[str, ...], str] = {
    tuple(long.split()): short for short, longs in ACRONYMS.items() for long in longs
}


def lookup(word: str) -> tuple[str, ...]:
    """The long forms of an acronym (`llms` counts as `llm`), or ()."""
    word = word.lower()
    return ACRONYMS.get(word) or (ACRONYMS.get(word[:-1], ()) if word.endswith("s") else ())
