"""Benchmarks: data generator for a large digibank and timing scripts."""
