"""Custom NLU pipeline components referenced from config.yml."""
