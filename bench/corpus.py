"""Seeded synthetic arXiv corpus in the metadata-snapshot JSON Lines shape."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import os
import sqlite3
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from random import Random

VERSION = 3
VOCAB_SIZE = 50_000
ZIPF_S = 1.07
# Share of all abstracts that should contain the most common word.
TOP_WORD_DOC_SHARE = 0.25
MEAN_ABSTRACT_WORDS = 120
# Share of word draws that are real ML terms rather than pseudo-words.
ML_MASS = 0.02
# Words are drawn by indexing a table where each word fills slots in proportion to its
# weight; 2**20 slots (8 MB) stays cache-friendly and still gives the rarest words ~2-3.
TABLE_BITS = 20
CHUNK = 2_000
TOKENIZE = "porter unicode61 remove_diacritics 2"
# The corpus spans 60 months ending June 2026; daily "new" papers go in the month after.
FIRST_MONTH = (2021, 7)
N_MONTHS = 60
NEW_MONTH = (2026, 7)

# Real ML terms, roughly most to least common; multi-word entries are drawn as phrases.
ML_TERMS: tuple[str, ...] = tuple(
    t.strip()
    for t in """
learning, model, neural, training, network, language, transformer, diffusion, LLM,
large language model, dataset, benchmark, attention, reinforcement learning, image,
video, graph, segmentation, detection, retrieval, generation, generative, fine-tuning,
optimization, classification, embedding, representation, inference, multimodal,
vision, reasoning, agent, robustness, adversarial, federated, self-supervised,
contrastive, pretraining, zero-shot, few-shot, prompt, tokenizer, decoder, encoder,
convolutional, CNN, GAN, VAE, autoencoder, RNN, LSTM, BERT, GPT, CLIP, ViT, diffusion model,
text-to-image, OCR, optical character recognition, speech, audio, point cloud, 3D,
depth estimation, pose estimation, object detection, semantic segmentation,
instance segmentation, tracking, super-resolution, denoising, inpainting, NeRF,
gaussian splatting, rendering, robotics, navigation, planning, control, policy,
reward, RLHF, alignment, safety, hallucination, interpretability, explainability,
fairness, privacy, differential privacy, uncertainty, calibration, bayesian,
variational, sampling, Monte Carlo, Markov, stochastic, gradient, SGD, Adam,
convergence, regularization, dropout, normalization, quantization, pruning,
distillation, knowledge distillation, compression, sparsity, mixture of experts,
MoE, scaling, scaling laws, efficiency, latency, hardware, GPU, TPU, accelerator,
edge, mobile, on-device, recommendation, recommender, ranking, search, question answering,
summarization, translation, machine translation, dialogue, chatbot, instruction tuning,
in-context learning, chain-of-thought, code generation, program synthesis, math,
theorem proving, knowledge graph, graph neural network, GNN, message passing,
node classification, link prediction, clustering, dimensionality reduction, PCA,
manifold, kernel, SVM, decision tree, random forest, boosting, ensemble, anomaly detection,
time series, forecasting, causal, causal inference, counterfactual, domain adaptation,
transfer learning, meta-learning, continual learning, active learning, semi-supervised,
weak supervision, label noise, data augmentation, synthetic data, curriculum,
evaluation, metric, leaderboard, annotation, crowdsourcing, medical imaging, radiology,
pathology, MRI, CT, ECG, EEG, protein, molecule, drug discovery, chemistry, materials,
climate, weather, remote sensing, satellite, autonomous driving, LiDAR, trajectory,
motion, video understanding, action recognition, captioning, visual question answering,
VQA, grounding, referring expression, scene graph, layout, document understanding,
handwriting, table, chart, mathematical reasoning, tool use, retrieval-augmented generation,
RAG, vector database, nearest neighbor, hashing, indexing, BM25, dense retrieval,
reranking, cross-encoder, bi-encoder, sentence embedding, word embedding, word2vec,
tokenization, byte-pair encoding, multilingual, low-resource, cross-lingual,
speech recognition, ASR, text-to-speech, TTS, speaker, music, sound, emotion, sentiment,
hate speech, misinformation, social network, recommendation system, click-through,
bandit, multi-armed bandit, game theory, multi-agent, cooperative, competitive, auction,
mechanism design, optimal transport, Wasserstein, score matching, flow matching,
normalizing flow, energy-based, consistency model, latent diffusion, U-Net, state space
model, Mamba, linear attention, sparse attention, long context, positional encoding,
RoPE, KV cache, speculative decoding, serving, distributed training, pipeline
parallelism, data parallelism, federated learning, split learning, homomorphic
encryption, watermarking, membership inference, backdoor, jailbreak, red teaming,
red-teaming, constitutional, preference optimization, DPO, PPO, Q-learning, actor-critic,
offline reinforcement learning, imitation learning, inverse reinforcement learning,
world model, sim-to-real, manipulation, grasping, locomotion, humanoid, drone, UAV,
SLAM, odometry, stereo, optical flow, event camera, hyperspectral, thermal,
low-light, deblurring, dehazing, compression artifacts, codec, neural codec
""".replace("\n", " ").split(",")
    if t.strip()
)

CATEGORIES: tuple[tuple[str, int], ...] = (
    ("cs.CV", 20),
    ("cs.LG", 20),
    ("cs.CL", 15),
    ("cs.AI", 10),
    ("cs.RO", 4),
    ("cs.IR", 3),
    ("cs.CR", 3),
    ("cs.HC", 2),
    ("cs.SE", 2),
    ("cs.DC", 2),
    ("cs.NE", 2),
    ("cs.SD", 2),
    ("cs.MA", 1),
    ("cs.SI", 1),
    ("cs.CY", 1),
    ("cs.DB", 1),
    ("cs.DS", 1),
    ("cs.GR", 1),
    ("cs.GT", 1),
    ("cs.IT", 1),
    ("cs.LO", 1),
    ("cs.MM", 1),
    ("cs.NI", 1),
    ("cs.PL", 1),
    ("cs.SY", 1),
    ("cs.AR", 1),
    ("cs.CC", 1),
    ("cs.CE", 1),
    ("cs.CG", 1),
    ("cs.DL", 1),
    ("cs.DM", 1),
    ("cs.ET", 1),
    ("cs.FL", 1),
    ("cs.GL", 1),
    ("cs.MS", 1),
    ("cs.NA", 1),
    ("cs.OS", 1),
    ("cs.PF", 1),
    ("cs.SC", 1),
    ("stat.ML", 6),
    ("eess.IV", 3),
    ("eess.AS", 2),
    ("eess.SP", 1),
    ("math.OC", 2),
    ("q-bio.NC", 1),
    ("physics.comp-ph", 1),
    ("quant-ph", 1),
)


def _words(text: str) -> list[str]:
    """Whitespace-separated word list (keeps long name lists compact)."""
    return text.split()


FIRST_NAMES = _words(
    "Wei Li Jun Yu Hao Xin Ana Maria José Luis Carlos Sofia Elena Ivan Olga Dmitri Anna "
    "Łukasz Zoë Søren Björn Jürgen Ángel Çağrı Priya Arjun Rahul Aisha Omar Fatima Yuki "
    "Haruto Min-jun Ji-woo Thanh Linh Kwame Amara Chloé François Hélène Noël Jörg Sven Ingrid "
    "Matteo Giulia Pedro Inês João Tomasz Agnieszka Mehmet Ayşe David Sarah Michael Emily "
    "James Laura Daniel Emma Alexander Julia Kai Noah Lea Finn"
)
REAL_SURNAMES = _words(
    "Müller Schützen Łukaszewicz Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Kim Lee Park "
    "Nguyễn Trần García Rodríguez Martínez López González Pérez Sánchez Dvořák Novák "
    "Kovačević Jääskeläinen Øster Ødegård Ångström Björklund Schröder Weiß Groß Çelik Yılmaz "
    "Şahin Öztürk Nowak Wiśniewski Wójcik Kowalczyk Smith Johnson Brown Jones Miller Davis "
    "Wilson Taylor Anderson Thomas Moore Martin Jackson White Harris Clark Lewis Patel Singh "
    "Kumar Sharma Gupta Das Khan Ali Ahmed Hassan Suzuki Tanaka Watanabe Sato Ito Yamamoto "
    "Nakamura Kobayashi Rossi Russo Ferrari Esposito Bianchi Dubois Lefèvre Moreau Girard "
    "Bonnet Lambert Fontaine Rousseau Vincent Ivanov Smirnov Kuznetsov Popov"
)

_ONSETS = _words(
    "b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr st sp sk pl bl cl fl gl sl ch "
    "sh th qu"
)
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ou", "io", "y"]
_CODAS = ["", "", "", "", "n", "r", "s", "l", "m", "t", "x", "nd", "st", "rk"]
_CAT_NAMES = [c for c, _ in CATEGORIES]
_CAT_CUM = [sum(w for _, w in CATEGORIES[: i + 1]) for i in range(len(CATEGORIES))]
# Cumulative percent for 1..12 authors.
_N_AUTH_CUM = [8, 22, 38, 53, 65, 75, 82, 87, 91, 94, 96]  # of 98
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_COMMENTS = (
    "{p} pages",
    "{p} pages, {f} figures",
    "{p} pages, {f} figures, {t} tables",
    "{p} pages, {f} figures; accepted for publication in Phys. Rev. D",
    "Accepted at CVPR 2026",
    "Accepted to NeurIPS 2025",
    "ICLR 2026 camera-ready",
    "Preprint. Under review",
    "Code: https://github.com/example/repo",
    "{p} pages, {f} figures, {t} tables. Extended version of the conference paper; "
    "code and data are available at https://github.com/example/project and the "
    "supplementary material is included in the appendix",
    "v2: typos corrected, references added, Section {t} rewritten; {p} pages, {f} figures",
    "{p} pages, LaTeX, uses revtex4; to appear in the proceedings of the {p}th "
    "International Conference on Machine Learning (ICML 2025), Vancouver, Canada",
)
_JOURNALS = (
    "Phys. Rev. D {v}, {p} ({y})",
    "Phys.Rev.Lett.{v}:{p},{y}",
    "J. Mach. Learn. Res. {v} ({y}) {p}-{q}",
    "IEEE Transactions on Pattern Analysis and Machine Intelligence, vol. {v}, pp. {p}-{q}, {y}",
    "Proceedings of the AAAI Conference on Artificial Intelligence {v} ({y}) {p}-{q}",
    "Astrophys.J.{v}:{p},{y}",
)
_DOI_PREFIXES = ("10.1103/PhysRevD", "10.1109/TPAMI", "10.1016/j.patcog", "10.1145/3581783")
_LICENSES = (
    (0.30, None),
    (0.80, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"),
    (0.95, "http://creativecommons.org/licenses/by/4.0/"),
    (1.01, "http://creativecommons.org/licenses/by-nc-sa/4.0/"),
)
# The snapshot's `authors` string keeps TeX accents; `authors_parsed` has them decoded.
_TEX_ACCENTS = str.maketrans(
    {
        "ü": '\\"u',
        "ö": '\\"o',
        "ä": '\\"a',
        "é": "\\'e",
        "á": "\\'a",
        "è": "\\`e",
        "ø": "\\o ",
        "ł": "\\l ",
        "ç": "\\c{c}",
        "ß": "\\ss ",
    }
)
# Inline math as abstracts and some titles carry it (TeX the import must decode).
_MATH = (
    "$\\mathcal{O}(n \\log n)$",
    "$\\alpha$",
    "$k$-means",
    "$\\ell_1$",
    "$\\epsilon$-greedy",
    "$O(1/\\sqrt{T})$",
    "$\\mathbb{R}^d$",
    "$L^2$",
)


class Vocab:
    """Pseudo-word vocabulary plus ML terms, with a weighted draw table."""

    def __init__(self, seed: int) -> None:
        rng = Random(f"vocab-{seed}")
        ml_tokens = [tok for term in ML_TERMS for tok in term.replace("-", " ").split()]
        # Porter stemming would merge e.g. "ocre" into "OCR"; keep one pseudo-word per stem and
        # none sharing a stem with an ML term, so each word's document frequency is its own.
        stems = set(_stems(ml_tokens))
        words: dict[str, None] = {}
        # Weights over syllable counts: mostly 2-3 syllables, like English content words.
        nsyl = rng.choices((1, 2, 3, 4), weights=(15, 45, 30, 10), k=VOCAB_SIZE * 3)
        i = 0
        while len(words) < VOCAB_SIZE:
            batch = []
            for _ in range(VOCAB_SIZE - len(words) + 1000):
                parts = []
                for k in range(nsyl[i % len(nsyl)]):
                    onset = "" if k == 0 and rng.random() < 0.2 else rng.choice(_ONSETS)
                    parts.append(onset + rng.choice(_VOWELS) + rng.choice(_CODAS))
                i += 1
                w = "".join(parts)
                if len(w) >= 3:
                    batch.append(w)
            for w, stem in zip(batch, _stems(batch), strict=True):
                if stem not in stems and len(words) < VOCAB_SIZE:
                    stems.add(stem)
                    words[w] = None
        # Stable sort by length so frequent words are short (Zipf's law of abbreviation).
        self.words: list[str] = sorted(words, key=len)
        self.ml_terms: list[str] = list(ML_TERMS)
        q = _mandelbrot_offset()
        pw = [(r + q) ** -ZIPF_S for r in range(1, VOCAB_SIZE + 1)]
        total = sum(pw)
        pw = [(1 - ML_MASS) * w / total for w in pw]
        mw = [1 / (i + 3) for i in range(len(self.ml_terms))]
        mtotal = sum(mw)
        mw = [ML_MASS * w / mtotal for w in mw]
        self.probs: dict[str, float] = dict(zip(self.words, pw, strict=True))
        self.probs.update(zip(self.ml_terms, mw, strict=True))
        self.table = _slot_table(self.words + self.ml_terms, pw + mw, 1 << TABLE_BITS)
        self.ml_table = _slot_table(self.ml_terms, mw, 1 << 16)
        names = [w.capitalize() for w in self.words[2000:6000]]
        self.surnames = REAL_SURNAMES + names

    def doc_share(self, term: str, words_per_doc: int = MEAN_ABSTRACT_WORDS) -> float:
        """Expected share of abstracts containing `term`."""
        return 1 - (1 - self.probs[term]) ** words_per_doc


def _slot_table(items: list[str], weights: list[float], size: int) -> list[str]:
    """Table of `size` slots, each item filling a share proportional to its weight (>=1)."""
    total = sum(weights)
    exact = [w / total * size for w in weights]
    small = sum(1 for x in exact if x < 1)
    # Items rounded up to one slot are paid for by shrinking the others proportionally,
    # not by taking it all from the head (which halved the top word's frequency).
    big_total = sum(x for x in exact if x >= 1)
    scaled = [0.0 if x < 1 else x * (size - small) / big_total for x in exact]
    counts = [1 if x < 1 else int(y) for x, y in zip(exact, scaled, strict=True)]
    # Largest remainder: the slots lost to truncation go to the biggest fractional parts.
    short = size - sum(counts)
    by_frac = sorted(range(len(counts)), key=lambda i: (scaled[i] - int(scaled[i]), -i))
    for i in by_frac[len(by_frac) - short :]:
        counts[i] += 1
    table: list[str] = []
    for item, c in zip(items, counts, strict=True):
        table.extend([item] * c)
    return table


def _stems(words: list[str]) -> list[str]:
    """Each word's term under the FTS tokenizer (porter), via sqlite's fts5vocab."""
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE VIRTUAL TABLE w USING fts5(t, tokenize='{TOKENIZE}')")
    con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(w, 'instance')")
    con.executemany("INSERT INTO w(rowid, t) VALUES (?, ?)", enumerate(words, 1))
    out = [""] * len(words)
    for term, doc in con.execute("SELECT term, doc FROM v WHERE offset = 0"):
        out[doc - 1] = term
    con.close()
    return out


@lru_cache(maxsize=1)
def _mandelbrot_offset() -> float:
    """Zipf–Mandelbrot offset q so the top word lands in TOP_WORD_DOC_SHARE of abstracts."""
    # Pure Zipf s=1.07 over 50k words gives the top word ~12% of all tokens (every
    # abstract); shifting ranks by q flattens the head without changing the tail slope.
    target = 1 - (1 - TOP_WORD_DOC_SHARE) ** (1 / MEAN_ABSTRACT_WORDS)
    lo, hi = 0.0, 5000.0
    for _ in range(24):
        q = (lo + hi) / 2
        total = sum((r + q) ** -ZIPF_S for r in range(1, VOCAB_SIZE + 1))
        p1 = (1 - ML_MASS) * (1 + q) ** -ZIPF_S / total
        lo, hi = (q, hi) if p1 > target else (lo, q)
    return (lo + hi) / 2


@lru_cache(maxsize=4)
def vocab(seed: int = 1) -> Vocab:
    """Cached vocabulary for a corpus seed."""
    return Vocab(seed)


def _draw(rng: Random, table: list[str], bits: int, k: int) -> list[str]:
    """Draw k weighted words fast: random bytes indexed into the slot table."""
    idx = array("I")
    idx.frombytes(rng.randbytes(4 * k))
    if sys.byteorder == "big":
        idx.byteswap()  # keep bytes identical across platforms
    shift = 32 - bits
    return [table[x >> shift] for x in idx]


def _month_add(ym: tuple[int, int], k: int) -> tuple[int, int]:
    y, m = ym
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


def _stamp(d: dt.date, r) -> str:
    """arXiv-style version timestamp on day d at a random time (r: a random() function)."""
    return (
        f"{_WEEKDAYS[d.weekday()]}, {d.day} {_MONTHS[d.month - 1]} {d.year} "
        f"{int(r() * 24):02d}:{int(r() * 60):02d}:{int(r() * 60):02d} GMT"
    )


class _Plan:
    """Where each record index lands: month, number within the month, and day."""

    def __init__(self, n: int, first_month: tuple[int, int], n_months: int, start_number: int):
        self.months = [_month_add(first_month, k) for k in range(n_months)]
        # Record i goes in month k where starts[k] <= i < starts[k+1]: ids ascend with i.
        self.starts = [-(-k * n // n_months) for k in range(n_months + 1)]
        self.dims = [(dt.date(*_month_add(ym, 1), 1) - dt.date(*ym, 1)).days for ym in self.months]
        self.start_number = start_number
        self.last_day = dt.date(*_month_add(self.months[-1], 1), 1) - dt.timedelta(days=1)
        busiest = max(self.starts[k + 1] - self.starts[k] for k in range(n_months))
        if busiest + start_number > 99_999:
            raise ValueError("too many papers per month for 5-digit arXiv ids; raise n_months")


def _chunk(n: int, seed: int, vocab_seed: int, plan: _Plan, ci: int) -> list[dict]:
    """Records ci*CHUNK .. (ci+1)*CHUNK-1 of the stream."""
    # Each chunk seeds its own RNG, so chunks are independent: parallel == serial bytes.
    v = vocab(vocab_seed)
    rng = Random(f"records-{seed}-{n}-{plan.months[0]}-{len(plan.months)}-{ci}")
    r = rng.random
    lo, hi = ci * CHUNK, min(n, (ci + 1) * CHUNK)
    m = hi - lo
    t_lens = [min(18, max(4, round(rng.gauss(10, 2.8)))) for _ in range(m)]
    a_lens = [min(250, max(60, round(rng.lognormvariate(4.74, 0.3)))) for _ in range(m)]
    words = _draw(rng, v.table, TABLE_BITS, sum(t_lens) + sum(a_lens))
    ml = _draw(rng, v.ml_table, 16, m)
    surnames, n_sur = v.surnames, len(v.surnames)
    n_first = len(FIRST_NAMES)
    n_comments = len(_COMMENTS)
    n_math = len(_MATH)
    pos = 0
    out = []
    k = bisect_right(plan.starts, lo) - 1
    for i in range(lo, hi):
        while plan.starts[k + 1] <= i:
            k += 1
        y, mo = plan.months[k]
        num = i - plan.starts[k]
        day = dt.date(y, mo, 1 + num * plan.dims[k] // (plan.starts[k + 1] - plan.starts[k]))
        j = i - lo
        tl, al = t_lens[j], a_lens[j]
        title_words = words[pos : pos + tl]
        pos += tl
        # Titles lean topical: one slot is always a real ML term.
        title_words[int(r() * tl)] = ml[j]
        if r() < 0.03:
            title_words.insert(int(r() * tl), _MATH[int(r() * n_math)])
        title = " ".join(title_words)
        title = title[0].upper() + title[1:]
        if len(title) > 70:  # the snapshot keeps arXiv's line breaks in long titles
            cut = title.rfind(" ", 0, 70)
            title = title[:cut] + "\n  " + title[cut + 1 :]
        abs_words = words[pos : pos + al]
        pos += al
        if r() < 0.15:
            abs_words[int(r() * al)] = _MATH[int(r() * n_math)]
        s = 0
        while s < al:  # sentences of 12 to 28 words
            e = min(al, s + 12 + int(r() * 17))
            first = abs_words[s]
            abs_words[s] = first[0].upper() + first[1:]
            abs_words[e - 1] += "."
            s = e
        # Lines of about 80 characters, two leading spaces and a trailing newline, as arXiv's.
        abstract = "  " + "\n".join(" ".join(abs_words[x : x + 11]) for x in range(0, al, 11))
        na = bisect_right(_N_AUTH_CUM, r() * 98) + 1
        if r() < 0.003:
            na = 50 + int(r() * 250)  # large collaborations
        parsed = []
        names = []
        for _ in range(na):
            sur = surnames[int(r() * n_sur)]
            first = FIRST_NAMES[int(r() * n_first)]
            first = f"{first[0]}." if r() < 0.5 else first
            names.append(f"{first} {sur}")
            parsed.append([sur, first, ""])
        authors = names[0] if na == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        if not authors.isascii():
            authors = authors.translate(_TEX_ACCENTS)
        nc = 1 if (x := r()) < 0.45 else 2 if x < 0.8 else 3
        cats = " ".join(
            dict.fromkeys(_CAT_NAMES[bisect_right(_CAT_CUM, r() * _CAT_CUM[-1])] for _ in range(nc))
        )
        comments = None
        if r() < 0.75:
            comments = _COMMENTS[int(r() * n_comments)].format(
                p=4 + int(r() * 37), f=1 + int(r() * 15), t=1 + int(r() * 8)
            )
        journal = doi = report = None
        if r() < 0.3:
            v_, p_ = 10 + int(r() * 90), 1 + int(r() * 9000)
            journal = _JOURNALS[int(r() * len(_JOURNALS))].format(v=v_, p=p_, q=p_ + 12, y=y)
            if r() < 0.8:
                doi = f"{_DOI_PREFIXES[int(r() * len(_DOI_PREFIXES))]}.{v_}.{p_:06d}"
        if r() < 0.05:
            report = f"CERN-TH-{y}-{int(r() * 300):03d}"
        x = r()
        license_ = next(name for share, name in _LICENSES if x < share)
        versions = [{"version": "v1", "created": _stamp(day, r)}]
        updated = day
        extra = 0 if (x := r()) < 0.55 else 1 if x < 0.85 else 2 if x < 0.95 else 3 + int(r() * 3)
        for number in range(2, 2 + extra):
            later = updated + dt.timedelta(days=1 + int(r() * 120))
            if later > plan.last_day:  # never dated after the snapshot (the corpus's last day)
                break
            updated = later
            versions.append({"version": f"v{number}", "created": _stamp(updated, r)})
        out.append(
            {
                "id": f"{y % 100:02d}{mo:02d}.{plan.start_number + num:05d}",
                "submitter": parsed[0][1] + " " + parsed[0][0],
                "authors": authors,
                "title": title,
                "comments": comments,
                "journal-ref": journal,
                "doi": doi,
                "report-no": report,
                "categories": cats,
                "license": license_,
                "abstract": abstract + "\n",
                "versions": versions,
                "update_date": updated.isoformat(),
                "authors_parsed": parsed,
            }
        )
    return out


def iter_records(
    n: int,
    seed: int = 1,
    *,
    vocab_seed: int | None = None,
    first_month: tuple[int, int] = FIRST_MONTH,
    n_months: int = N_MONTHS,
    start_number: int = 1,
) -> Iterator[list[dict]]:
    """Yield chunks of snapshot-shaped records; ids ascend across n_months from first_month."""
    plan = _Plan(n, first_month, n_months, start_number)
    vs = seed if vocab_seed is None else vocab_seed
    for ci in range(-(-n // CHUNK)):
        yield _chunk(n, seed, vs, plan, ci)


# As the snapshot is written: compact, non-ASCII as \u escapes.
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


def _chunk_bytes(args: tuple[int, int, _Plan, int]) -> bytes:
    """One chunk as JSON Lines bytes (the unit of work for parallel generation)."""
    n, seed, plan, ci = args
    return ("\n".join(map(_ENCODE, _chunk(n, seed, seed, plan, ci))) + "\n").encode()


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def generate(path: str | os.PathLike, n: int, seed: int = 1, workers: int | None = None) -> Path:
    """Write n records to path as JSON Lines unless an identical file is already there."""
    path = Path(path)
    meta_path = _meta_path(path)
    want = {"n": n, "seed": seed, "version": VERSION}
    if path.exists() and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            meta = {}
        if {k: meta.get(k) for k in want} == want and meta.get("bytes") == path.stat().st_size:
            return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    digest = hashlib.sha256()
    size = 0
    plan = _Plan(n, FIRST_MONTH, N_MONTHS, 1)
    vocab(seed)  # build once in the parent so forked workers inherit it
    jobs = [(n, seed, plan, ci) for ci in range(-(-n // CHUNK))]
    workers = max(1, min(workers or os.cpu_count() or 1, 2, len(jobs)))
    gc.disable()  # millions of short-lived dicts; collection passes only cost time
    try:
        with open(tmp, "wb") as f:
            if workers == 1:
                chunks: Iterator[bytes] = map(_chunk_bytes, jobs)
                for data in chunks:
                    digest.update(data)
                    size += len(data)
                    f.write(data)
            else:
                ctx = multiprocessing.get_context("fork")
                with ctx.Pool(workers) as pool:
                    for data in pool.imap(_chunk_bytes, jobs, chunksize=1):
                        digest.update(data)
                        size += len(data)
                        f.write(data)
    finally:
        gc.enable()
    os.replace(tmp, path)
    meta_path.write_text(json.dumps({**want, "bytes": size, "sha256": digest.hexdigest()}))
    return path


def iter_new_papers(n: int = 2000, seed: int = 7, corpus_seed: int = 1) -> list[dict]:
    """Records for one day's new papers, ids in the month after the corpus (2607.*)."""
    recs: list[dict] = []
    for chunk in iter_records(n, seed, vocab_seed=corpus_seed, first_month=NEW_MONTH, n_months=1):
        recs.extend(chunk)
    # They are one day's papers: same date, keeping each record's time of day.
    day = dt.date(*NEW_MONTH, 1)
    rng = Random(f"newday-{seed}")
    for r in recs:
        r["versions"] = [{"version": "v1", "created": _stamp(day, rng.random)}]
        r["update_date"] = day.isoformat()
    return recs


def iter_queries(n: int = 200, seed: int = 2, corpus_seed: int = 1) -> list[str]:
    """Search queries of 1-3 words spread over common, mid, rare words and ML terms."""
    v = vocab(corpus_seed)
    rng = Random(f"queries-{seed}")
    w = v.words

    def common() -> str:
        return w[rng.randrange(0, 50)]

    def mid() -> str:
        return w[rng.randrange(200, 3000)]

    def rare() -> str:
        return w[rng.randrange(10_000, VOCAB_SIZE)]

    def ml() -> str:
        # Log-uniform over rank: favours popular terms but reaches into the tail.
        return v.ml_terms[int(len(v.ml_terms) ** rng.random()) - 1]

    kinds = (
        (20, common),
        (20, mid),
        (15, rare),
        (25, ml),
        (8, lambda: f"{ml()} {ml()}"),
        (6, lambda: f"{ml()} {mid()}"),
        (3, lambda: f"{common()} {mid()}"),
        (3, lambda: f"{ml()} {common()} {mid()}"),
    )
    weights = [k for k, _ in kinds]
    out: dict[str, None] = {}
    while len(out) < n:
        make = rng.choices([f for _, f in kinds], weights=weights)[0]
        q = make()
        if len(q.split()) <= 3 and len(set(q.lower().split())) == len(q.split()):
            out[q] = None
    return list(out)


def iter_topics(n: int = 5000, seed: int = 3, corpus_seed: int = 1) -> list[str]:
    """Distinct 1-3 word topics mixing ML terms and mid-frequency words."""
    v = vocab(corpus_seed)
    rng = Random(f"topics-{seed}")
    singles = [t for t in v.ml_terms if len(t.split()) == 1]

    def word() -> str:
        r = rng.random()
        if r < 0.5:
            return rng.choice(singles)
        # Log-uniform rank: topics reach from fairly common to rare words.
        return v.words[int(100 * (20_000 / 100) ** rng.random())]

    out: dict[str, None] = {}
    for t in v.ml_terms[: min(len(v.ml_terms), n // 3)]:
        out[t] = None
    while len(out) < n:
        k = rng.choices((1, 2, 3), weights=(40, 40, 20))[0]
        parts = list(dict.fromkeys(word() for _ in range(k)))
        out[" ".join(parts)] = None
    return list(out)


def main(argv: list[str] | None = None) -> None:
    """CLI: python -m bench.corpus N PATH [SEED]."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        raise SystemExit("usage: python -m bench.corpus N PATH [SEED]")
    n, path = int(args[0].replace("_", "")), args[1]
    seed = int(args[2]) if len(args) == 3 else 1
    print(generate(path, n, seed))


if __name__ == "__main__":
    main()
