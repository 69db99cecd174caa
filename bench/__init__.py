"""Benchmarks for papers-bot: synthetic corpus, baselines and report formatting."""
