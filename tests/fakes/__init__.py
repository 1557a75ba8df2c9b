"""Stand-ins that speak the real protocols of services the tests must not reach."""
