"""Driver of the evring benchmark suite; bench/run-bench is its entry point."""
