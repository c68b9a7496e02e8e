//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package main

// lockDataDir does not lock on this system (no flock in package syscall):
// a second carecoop dev on the same data directory is stopped only if it
// meets the first one's ports in use.
func lockDataDir(string) (unlock func(), err error) { return func() {}, nil }
