package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"syscall"
)

// processSpace returns LeaseHolder.Space for this process: the first 16
// bytes, in hex, of the SHA-256 of the kernel's boot id
// (/proc/sys/kernel/random/boot_id, new at every boot) and the pid
// namespace (/proc/self/ns/pid, "pid:[inode]"): two processes with the
// same value see the same process ids. "" when either cannot be read.
func processSpace() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(string(boot)) + "\n" + ns))
	return hex.EncodeToString(sum[:16])
}

// processAlive reports whether a process with id pid exists (kill(2) with
// signal 0: ESRCH means none; EPERM means one that belongs to another
// user). Any other answer counts as alive: fail closed.
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	err := syscall.Kill(pid, 0)
	return !errors.Is(err, syscall.ESRCH)
}
