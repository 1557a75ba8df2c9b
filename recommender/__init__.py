"""Cross-sell recommendations: candidates, a hybrid ranking, then the merchant's rules.

A library with no storage and no HTTP of its own: the commerce backend (`commerce.recommend`)
feeds it the catalogue and the order history and serves it; `benchmarks/recommend.py` feeds
it generated and recorded stores to measure it. See docs/recommender.md.
"""
