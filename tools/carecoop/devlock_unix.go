//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// devLockFile, in the data directory, is locked (flock) by the carecoop dev
// using the directory and holds its process id.
const devLockFile = "dev.lock"

// lockDataDir takes the data directory's lock for this process, or says
// which carecoop dev holds it. The kernel drops the lock when the process
// ends, however it ends (kill -9 included), so a stale lock file is no
// obstacle; unlock drops it sooner.
func lockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, devLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another carecoop dev"
			if b, _ := os.ReadFile(path); len(b) > 0 {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
					holder += fmt.Sprintf(" (process %d)", pid)
				}
			}
			return nil, fmt.Errorf("%s is using the data directory %s: stop it first, or give this one another --data", holder, dir)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	// The process id is for the message above only; the lock is the flock.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil
}
