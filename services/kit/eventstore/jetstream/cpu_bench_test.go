//go:build unix

package jetstream_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuClock is the process's CPU time so far, user and system: the client
// and the embedded server together. Per operation it is steadier than wall
// time on a machine shared with other jobs.
func cpuClock(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per item since start, in microseconds.
func reportCPU(b *testing.B, start time.Duration, perOp int) {
	b.ReportMetric(float64(cpuClock(b)-start)/float64(time.Microsecond)/float64(b.N*perOp), "cpu-µs/op")
}
