// An empty program: the baseline for scripts/bench.ts (Deno's own start-up with the same flags).
