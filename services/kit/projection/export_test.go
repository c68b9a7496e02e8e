package projection

// ProbeEveryCommit makes r probe the store after every commit applied, as
// runners did before issue 16: the baseline of BenchmarkProjectionCatchUp.
func ProbeEveryCommit(r *Runner) { r.probeEveryCommit = true }
