package grpcserver

import "testing"

func TestIsLoopbackTarget(t *testing.T) {
	for target, want := range map[string]bool{
		"localhost:8081":             true,
		"127.0.0.1:8081":             true,
		"[::1]:8081":                 true,
		"dns:///localhost:8081":      true,
		"passthrough:///127.0.0.1:1": true,
		"framework.carecoop.svc:443": false,
		"10.0.0.7:8081":              false,
		"dns:///example.com:443":     false,
		"localhost.example.com:1":    false,
	} {
		if got := isLoopbackTarget(target); got != want {
			t.Errorf("isLoopbackTarget(%q) = %v, want %v", target, got, want)
		}
	}
}
