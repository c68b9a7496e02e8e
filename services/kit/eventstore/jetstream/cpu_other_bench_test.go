//go:build !unix

package jetstream_test

import (
	"testing"
	"time"
)

func cpuClock(*testing.B) time.Duration        { return 0 }
func reportCPU(*testing.B, time.Duration, int) {}
